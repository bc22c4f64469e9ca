"""A municipality's own 区分マスタ code is counted as the standard code it names (counted_as): the
distributions keep the national categories, and the drill-down finds the case under that category."""

from __future__ import annotations

from typing import Any

from tsunagu.cases.models import Case, Intake
from tsunagu.core.dates import fiscal_year
from tsunagu.masters import services as masters
from tsunagu.organizations.models import Municipality
from tsunagu.statistics.indicators import DISTRIBUTIONS, Area, Period


def test_an_own_route_counts_under_its_standard_code(demo: Any, staff: Any) -> None:
    shinjuku = Municipality.objects.get(code="131041")
    case = Case.objects.filter(municipality=shinjuku).order_by("opened_on").first()
    assert case is not None
    period = Period.fiscal_year(fiscal_year(case.opened_on))
    area = Area.municipality(shinjuku)
    dist = DISTRIBUTIONS["intake_routes"]
    before = {code: n for code, _label, n in dist.counts(area, period)}
    standard = case.intake.route
    own = masters.code_add(
        actor=staff("shinjuku-center"),
        municipality=shinjuku,
        list_key="referral_route",
        label="区の出張相談会",
        counted_as=standard,
    )
    Intake.objects.filter(case=case).update(route=own.code)  # the intake as if recorded with the own code

    after = {code: n for code, _label, n in dist.counts(area, period)}
    assert own.code not in after  # no category of its own in the national figures
    assert after == before  # still counted under the standard code
    assert case.pk in set(dist.case_ids(area, period, standard).values_list("id", flat=True))
