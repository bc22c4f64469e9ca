"""区分マスタ（自治体ごと）: defaults vs a municipality's rows, retire/delete, history, scope."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from tsunagu.cases.models import Intake
from tsunagu.core.codes import (
    CODE_USAGES,
    code_choices,
    code_labels,
    counted_as_map,
    standard_code,
    usage_count,
    valid_codes,
)
from tsunagu.core.history import history_of
from tsunagu.core.models import AuditEvent, CodeItem, CodeList
from tsunagu.masters import services
from tsunagu.organizations.guards import AccessDenied
from tsunagu.organizations.models import Municipality

pytestmark = pytest.mark.django_db

ROUTE = CodeList.REFERRAL_ROUTE


def _muni(code: str) -> Municipality:
    return Municipality.objects.get(code=code)


def _used_route(muni: Municipality) -> str:
    return str(Intake.objects.filter(case__municipality=muni).values_list("route", flat=True).first())


def test_defaults_and_override_per_municipality(staff: Any) -> None:
    shinjuku, hasuda = _muni("131041"), _muni("112381")
    director = staff("shinjuku-center")
    standard = code_choices(ROUTE)
    first_code, first_label = standard[0]
    services.code_edit(
        actor=director,
        municipality=shinjuku,
        list_key=ROUTE,
        code=first_code,
        version=0,
        label="区の窓口から",
        sort_order=9999,
    )
    shinjuku_list = code_choices(ROUTE, shinjuku)
    assert shinjuku_list[-1] == (first_code, "区の窓口から")
    assert code_choices(ROUTE, hasuda)[0] == (first_code, first_label)
    assert code_choices(ROUTE)[0] == (first_code, first_label)
    row = services.code_add(
        actor=director, municipality=shinjuku, list_key=ROUTE, label="区独自の経路", counted_as=first_code
    )
    assert row.code in valid_codes(ROUTE, shinjuku)
    assert row.code not in valid_codes(ROUTE, hasuda)
    assert row.code not in valid_codes(ROUTE)
    # A screen that does not know the municipality still reads the label, never the code.
    assert code_labels(ROUTE)[row.code] == "区独自の経路"


def test_counted_lists_require_the_standard_code(staff: Any) -> None:
    shinjuku = _muni("131041")
    director = staff("shinjuku-center")
    with pytest.raises(ValidationError) as exc:
        services.code_add(actor=director, municipality=shinjuku, list_key=ROUTE, label="独自")
    assert "counted_as" in exc.value.message_dict
    standard = code_choices(ROUTE)[1][0]
    row = services.code_add(
        actor=director, municipality=shinjuku, list_key=ROUTE, label="独自", counted_as=standard
    )
    assert counted_as_map(ROUTE) == {row.code: standard}
    assert standard_code(ROUTE, row.code) == standard
    assert standard_code(ROUTE, standard) == standard
    # A list the statistics do not count takes an own code without it.
    services.code_add(actor=director, municipality=shinjuku, list_key=CodeList.CONTACT_METHOD, label="LINE")


def test_retire_hides_from_new_entries_but_old_records_keep_label(staff: Any) -> None:
    shinjuku = _muni("131041")
    code = _used_route(shinjuku)
    label = code_labels(ROUTE, shinjuku)[code]
    row = services.code_set_active(
        actor=staff("shinjuku-center"),
        municipality=shinjuku,
        list_key=ROUTE,
        code=code,
        version=0,
        active=False,
    )
    assert code not in valid_codes(ROUTE, shinjuku)
    assert code not in dict(code_choices(ROUTE, shinjuku))
    assert code_labels(ROUTE, shinjuku)[code] == label
    assert code in valid_codes(ROUTE, _muni("112381"))
    services.code_set_active(
        actor=staff("shinjuku-center"),
        municipality=shinjuku,
        list_key=ROUTE,
        code=code,
        version=row.version,
        active=True,
    )
    assert code in valid_codes(ROUTE, shinjuku)
    history = history_of(CodeItem.objects.get(list_key=ROUTE, code=code, municipality_id=shinjuku.pk))
    assert [h.reason for h in history] == ["再開", "使用中止"]
    assert history[1].rows[0]["after"] == "使用中止"


def test_delete_refused_when_in_use_and_standard(staff: Any) -> None:
    shinjuku = _muni("131041")
    director = staff("shinjuku-center")
    code = _used_route(shinjuku)
    assert usage_count(ROUTE, code, shinjuku) > 0
    with pytest.raises(ValidationError, match="標準の項目は削除できません"):
        services.code_delete(actor=director, municipality=shinjuku, list_key=ROUTE, code=code, version=1)
    own = services.code_add(
        actor=director, municipality=shinjuku, list_key=ROUTE, label="独自の経路", counted_as=code
    )
    intake = Intake.objects.filter(case__municipality=shinjuku).first()
    assert intake is not None
    Intake.objects.filter(pk=intake.pk).update(route=own.code)
    with pytest.raises(ValidationError, match="1件の記録で使われている"):
        services.code_delete(actor=director, municipality=shinjuku, list_key=ROUTE, code=own.code, version=1)
    Intake.objects.filter(pk=intake.pk).update(route=code)
    services.code_delete(actor=director, municipality=shinjuku, list_key=ROUTE, code=own.code, version=1)
    assert not CodeItem.objects.filter(pk=own.pk).exists()
    assert AuditEvent.objects.filter(object_type="codeitem", action="delete").exists()


def test_stale_version_refused(staff: Any) -> None:
    shinjuku = _muni("131041")
    director = staff("shinjuku-center")
    code = code_choices(ROUTE)[0][0]
    services.code_edit(
        actor=director, municipality=shinjuku, list_key=ROUTE, code=code, version=0, label="一", sort_order=1
    )
    with pytest.raises(ValidationError):
        services.code_edit(
            actor=director,
            municipality=shinjuku,
            list_key=ROUTE,
            code=code,
            version=0,
            label="二",
            sort_order=1,
        )


def test_scope_other_municipality_and_roles(staff: Any) -> None:
    from django.http import Http404

    shinjuku, shiraoka = _muni("131041"), _muni("112461")
    with pytest.raises(Http404):
        services.code_add(
            actor=staff("hasuda-center"), municipality=shinjuku, list_key=CodeList.CONTACT_METHOD, label="x"
        )
    # 蓮田市のセンター長 edits 白岡市 (共同実施, Agency.area); 蓮田市の自治体担当者 does not.
    services.code_add(
        actor=staff("hasuda-center"), municipality=shiraoka, list_key=CodeList.CONTACT_METHOD, label="x"
    )
    with pytest.raises(Http404):
        services.code_add(
            actor=staff("hasuda-jichitai"), municipality=shiraoka, list_key=CodeList.CONTACT_METHOD, label="y"
        )
    with pytest.raises(AccessDenied):
        services.code_add(
            actor=staff("shinjuku-soudan"), municipality=shinjuku, list_key=CodeList.CONTACT_METHOD, label="z"
        )


def test_every_list_has_declared_usages_that_resolve() -> None:
    from django.apps import apps

    assert set(CODE_USAGES) == set(CodeList.values)
    for usages in CODE_USAGES.values():
        for usage in usages:
            model = apps.get_model(usage.model)
            model._meta.get_field(usage.field)


def test_every_field_validated_against_a_list_is_declared() -> None:
    """The fields the forms and validators check against a list (found in their source) are the
    fields ``CODE_USAGES`` declares for that list."""
    import inspect
    import re

    from tsunagu.cases import forms as case_forms
    from tsunagu.cases import validation
    from tsunagu.persons import forms as person_forms

    declared = {(lst, u.field) for lst, usages in CODE_USAGES.items() for u in usages}
    found: set[tuple[str, str]] = set()
    for module in (case_forms, validation, person_forms):
        source = inspect.getsource(module)
        for field, member in re.findall(r'f(?:ields)?\["(\w+)"\]\.choices = .*?CodeList\.(\w+)', source):
            found.add((CodeList[member].value, field))
        for member, field in re.findall(r'"(\w+)": CodeList\.(\w+)', source):
            found.add((CodeList[field].value, member))
    assert found, "the forms no longer use code_choices as expected"
    missing = {pair for pair in found if pair not in declared and pair[1] not in {"main_topic", "topic"}}
    assert not missing


def test_statistics_count_an_own_code_as_its_standard_code(staff: Any) -> None:
    from django.db.models import Count

    from tsunagu.cases.models import Case
    from tsunagu.core.codes import counted_contains, counted_expression

    shinjuku = _muni("131041")
    used = _used_route(shinjuku)
    standard = next(code for code, _ in code_choices(ROUTE) if code != used)
    before = {
        r["k"]: r["n"]
        for r in Intake.objects.annotate(k=counted_expression(ROUTE, "route"))
        .values("k")
        .annotate(n=Count("id"))
    }
    own = services.code_add(
        actor=staff("shinjuku-center"),
        municipality=shinjuku,
        list_key=ROUTE,
        label="区独自",
        counted_as=standard,
    )
    other = Intake.objects.filter(route=used).first()
    assert other is not None
    Intake.objects.filter(pk=other.pk).update(route=own.code)
    after = {
        r["k"]: r["n"]
        for r in Intake.objects.annotate(k=counted_expression(ROUTE, "route"))
        .values("k")
        .annotate(n=Count("id"))
    }
    assert own.code not in after
    assert after[standard] == before.get(standard, 0) + 1
    assert after[used] == before[used] - 1
    topic_std = code_choices(CodeList.CONSULTATION_TOPIC)[0][0]
    topic_own = services.code_add(
        actor=staff("shinjuku-center"),
        municipality=shinjuku,
        list_key=CodeList.CONSULTATION_TOPIC,
        label="区独自の相談",
        counted_as=topic_std,
    )
    counted_before = Case.objects.filter(
        counted_contains(CodeList.CONSULTATION_TOPIC, "topics", topic_std)
    ).count()
    case = Case.objects.exclude(counted_contains(CodeList.CONSULTATION_TOPIC, "topics", topic_std)).first()
    assert case is not None
    Case.objects.filter(pk=case.pk).update(topics=[topic_own.code])
    counted = Case.objects.filter(counted_contains(CodeList.CONSULTATION_TOPIC, "topics", topic_std)).count()
    assert counted == counted_before + 1


def test_a_correction_keeps_the_retired_code_it_already_stores(staff: Any) -> None:
    shinjuku = _muni("131041")
    code = _used_route(shinjuku)
    services.code_set_active(
        actor=staff("shinjuku-center"),
        municipality=shinjuku,
        list_key=ROUTE,
        code=code,
        version=0,
        active=False,
    )
    assert code not in valid_codes(ROUTE, shinjuku)
    assert code in valid_codes(ROUTE, shinjuku, keep=code)
    assert code in dict(code_choices(ROUTE, shinjuku, keep=[code]))


def test_a_correction_keeps_a_code_retired_since(staff: Any) -> None:
    """申込票の訂正: the retired 相談経路 the record stores stays on offer and valid for that record
    (nothing dropped silently), while a new 申込票 may no longer choose it."""
    from tsunagu.cases.forms import IntakeEditForm, IntakeForm
    from tsunagu.cases.services import INTAKE_EDIT_FIELDS, intake_update
    from tsunagu.core.locking import model_values

    shinjuku = _muni("131041")
    intake = Intake.objects.filter(case__municipality=shinjuku).select_related("case").first()
    assert intake is not None
    services.code_set_active(
        actor=staff("shinjuku-center"),
        municipality=shinjuku,
        list_key=ROUTE,
        code=intake.route,
        version=0,
        active=False,
    )
    initial = model_values(intake, INTAKE_EDIT_FIELDS)
    edit = IntakeEditForm(prefix="intake", initial=initial, partner_queryset=None, municipality=shinjuku.pk)
    assert intake.route in dict(edit.fields["route"].choices)  # type: ignore[attr-defined]
    new = IntakeForm(prefix="intake", partner_queryset=None, municipality=shinjuku.pk)
    assert intake.route not in dict(new.fields["route"].choices)  # type: ignore[attr-defined]

    worker = intake.case.assigned_worker
    assert worker is not None
    values = {**initial, "chief_complaint": (intake.chief_complaint or "") + "（訂正）"}
    intake_update(actor=worker, case=intake.case, values=values, expected_version=intake.version)
    intake.refresh_from_db()
    assert intake.chief_complaint.endswith("（訂正）") and intake.route == initial["route"]
