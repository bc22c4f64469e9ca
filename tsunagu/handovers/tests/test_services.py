"""The hand-over service with the demo data (新宿区 委託 centre → a new operator)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tsunagu.cases.models import Case, CaseNumberSequence, SupportPlan
from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.handovers import services
from tsunagu.handovers.models import HandoverStatus
from tsunagu.handovers.registry import counted, moving
from tsunagu.organizations.guards import AccessDenied
from tsunagu.organizations.models import Agency, Municipality, User
from tsunagu.persons.models import Person, PersonKanaTrigram
from tsunagu.privacy.models import Consent
from tsunagu.statistics.indicators import Area, Period, compute

from .helpers import new_agency, officer, old_agency, plan, shinjuku

pytestmark = pytest.mark.django_db


def _today_plan(staff: Any, to: Agency | None = None) -> Any:
    return plan(staff, to=to, on=timezone.localdate())


def test_preview_counts_every_record_type_in_japanese(demo: Any, staff: Any) -> None:
    h = _today_plan(staff)
    labels = {e.label for e in counted()}
    assert set(h.preview_counts) == labels
    assert "カナ検索索引" not in h.preview_counts  # a technical index: moved, not listed
    assert h.preview_counts["ケース"] == Case.all_cases.filter(agency=old_agency()).count() > 0
    assert h.preview_counts["相談者"] == Person.objects.filter(agency=old_agency()).count() > 0
    assert h.status == HandoverStatus.PLANNED
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="handover", object_id=str(h.pk)
    ).exists()


def test_execute_moves_everything_and_closes_the_old_operator(demo: Any, staff: Any) -> None:
    old = old_agency()
    case_ids = set(Case.all_cases.filter(agency=old).values_list("pk", flat=True))
    person_ids = set(Person.objects.filter(agency=old).values_list("pk", flat=True))
    old_staff_ids = list(User.objects.filter(agency=old, is_active=True).values_list("pk", flat=True))
    h = _today_plan(staff)
    done = services.handover_execute(actor=officer(staff), handover=h, version=h.version)
    new = done.to_agency
    assert done.status == HandoverStatus.EXECUTED
    assert done.executed_counts == h.preview_counts  # nothing written in between
    for entry in moving():
        assert not entry.model._base_manager.filter(**{f"{entry.field}_id": old.pk}).exists(), entry
    assert set(Case.all_cases.filter(agency=new).values_list("pk", flat=True)) == case_ids
    assert set(Person.objects.filter(agency=new).values_list("pk", flat=True)) == person_ids
    assert set(PersonKanaTrigram.objects.filter(agency=new).values_list("person_id", flat=True)) <= person_ids
    assert PersonKanaTrigram.objects.filter(agency=new).exists()
    assert not PersonKanaTrigram.objects.filter(agency=old).exists()
    assert "カナ検索索引" not in done.executed_counts
    assert not Consent.objects.filter(agency=old).exists()
    # 新宿区 was the old agency's only area: closed, its staff disabled
    old.refresh_from_db()
    assert not old.is_active  # its 主たる実施主体 stays as the record of where it worked
    assert old not in Agency.objects.serving(shinjuku()).filter(is_active=True)
    assert not User.objects.filter(pk__in=old_staff_ids, is_active=True).exists()
    # one audit row for the hand-over (ids and counts), one per moved person
    row = AuditEvent.objects.get(action=AuditAction.TRANSITION, object_type="handover", object_id=str(h.pk))
    assert row.details["executed_counts"] == done.executed_counts
    assert row.details["from_agency_id"] == old.pk and row.details["to_agency_id"] == new.pk
    moved_rows = AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_type="person", details__handover_id=h.pk
    )
    assert set(moved_rows.values_list("person_id", flat=True)) == person_ids
    # the new agency's numbering continues after the moved cases
    for fy, top in {(c.fiscal_year, c.number_in_year) for c in Case.all_cases.filter(agency=new)}:
        assert CaseNumberSequence.objects.get(agency=new, fiscal_year=fy).last_number >= top


def test_statistics_stay_continuous(demo: Any, staff: Any) -> None:
    muni = shinjuku()
    today = timezone.localdate()
    fy = Period.fiscal_year(today.year if today.month >= 4 else today.year - 1)
    month = Period.month(today.year, today.month)
    before_fy = {f.code: f.value for f in compute(Area.municipality(muni), fy).figures}
    before_m = {f.code: f.value for f in compute(Area.municipality(muni), month).figures}
    old_before = {f.code: f.value for f in compute(Area.agency(old_agency()), fy).figures}
    h = _today_plan(staff)
    services.handover_execute(actor=officer(staff), handover=h, version=h.version)
    assert {f.code: f.value for f in compute(Area.municipality(muni), fy).figures} == before_fy
    assert {f.code: f.value for f in compute(Area.municipality(muni), month).figures} == before_m
    # the new agency's own figures now include the history
    assert {f.code: f.value for f in compute(Area.agency(h.to_agency), fy).figures} == old_before


def test_execute_refused_before_the_date(demo: Any, staff: Any) -> None:
    h = plan(staff, on=timezone.localdate() + timedelta(days=1))
    with pytest.raises(ValidationError, match="より前には実施できません"):
        services.handover_execute(actor=officer(staff), handover=h, version=h.version)
    assert Case.all_cases.filter(agency=old_agency()).exists()
    # preview is allowed any time
    assert services.handover_preview(actor=officer(staff), handover=h).total > 0


def test_to_agency_must_serve_the_municipality(demo: Any, staff: Any) -> None:
    outsider = new_agency(serving=False)
    with pytest.raises(ValidationError) as exc:
        plan(staff, to=outsider)
    assert "担当していません" in str(exc.value.message_dict["to_agency"])


def test_same_agency_refused(demo: Any, staff: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        plan(staff, to=old_agency())
    assert "同じ機関" in str(exc.value.message_dict["to_agency"])


def test_only_one_planned_per_from_agency(demo: Any, staff: Any) -> None:
    to = new_agency()
    plan(staff, to=to)
    with pytest.raises(ValidationError, match="すでに予定"):
        plan(staff, to=to)


def test_other_municipality_officer_refused_and_audited(demo: Any, staff: Any) -> None:
    h = _today_plan(staff)
    other = staff("hasuda-jichitai")
    with pytest.raises(AccessDenied):
        services.handover_execute(actor=other, handover=h, version=h.version)
    assert AuditEvent.objects.filter(actor=other, action=AuditAction.ACCESS_DENIED).exists()
    worker = staff("shinjuku-center")
    with pytest.raises(AccessDenied):
        services.handover_execute(actor=worker, handover=h, version=h.version)


def test_stale_version_refused(demo: Any, staff: Any) -> None:
    h = _today_plan(staff)
    with pytest.raises(ValidationError):
        services.handover_execute(actor=officer(staff), handover=h, version=h.version + 1)
    h.refresh_from_db()
    assert h.status == HandoverStatus.PLANNED


def test_count_changed_after_preview_does_not_block(demo: Any, staff: Any) -> None:
    h = _today_plan(staff)
    extra = Person.objects.filter(agency=old_agency()).first()
    assert extra is not None
    extra.pk = None
    extra.save()  # someone registers a person after the preview
    done = services.handover_execute(actor=officer(staff), handover=h, version=h.version)
    assert done.executed_counts["相談者"] == h.preview_counts["相談者"] + 1


def test_case_numbers_that_clash_are_renumbered(demo: Any, staff: Any) -> None:
    to = new_agency()
    moved = Case.all_cases.filter(agency=old_agency()).order_by("pk").first()
    assert moved is not None
    clash = Case.all_cases.get(pk=moved.pk)
    clash.pk = None
    clash.agency = to
    clash.save()
    h = _today_plan(staff, to=to)
    preview = services.compute_preview(h)
    assert any("振り直す" in n for n in preview.notices)
    services.handover_execute(actor=officer(staff), handover=h, version=h.version)
    moved.refresh_from_db()
    assert moved.agency_id == to.pk and moved.case_number != clash.case_number
    assert (
        CaseNumberSequence.objects.get(agency=to, fiscal_year=moved.fiscal_year).last_number
        >= moved.number_in_year
    )


def test_agency_that_still_serves_another_municipality_stays_open(demo: Any, staff: Any) -> None:
    old = old_agency()
    extra = Municipality.objects.get(slug="shiraoka")
    old.served_municipalities.add(extra)
    h = _today_plan(staff)
    services.handover_execute(actor=officer(staff), handover=h, version=h.version)
    old = Agency.objects.get(pk=old.pk)
    assert old.is_active and not old.serves(shinjuku()) and old.serves(extra)
    assert User.objects.filter(agency=old, is_active=True).exists()


def test_plan_conflict_blocks(demo: Any, staff: Any) -> None:
    from tsunagu.planning.models import AnnualPlan

    to = new_agency()
    who = staff("shinjuku-center")
    for agency in (old_agency(), to):
        AnnualPlan.objects.create(
            agency=agency, municipality=shinjuku(), fiscal_year=2026, created_by=who, updated_by=who
        )
    h = _today_plan(staff, to=to)
    with pytest.raises(ValidationError, match="同じ年度の事業計画"):
        services.handover_execute(actor=officer(staff), handover=h, version=h.version)


def test_run_due_handovers(demo: Any, staff: Any) -> None:
    due = _today_plan(staff)
    assert services.run_due_handovers() == [due.pk]
    due.refresh_from_db()
    assert due.status == HandoverStatus.EXECUTED and due.executed_by is None
    assert not SupportPlan.objects.filter(agency=old_agency()).exists()


def test_cancel(demo: Any, staff: Any) -> None:
    h = _today_plan(staff)
    services.handover_cancel(actor=officer(staff), handover=h, version=h.version)
    h.refresh_from_db()
    assert h.status == HandoverStatus.CANCELLED
    assert services.run_due_handovers() == []


def test_run_due_handovers_command(demo: Any, staff: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    due = _today_plan(staff)
    out = StringIO()
    call_command("run_due_handovers", stdout=out)
    assert "実施した引継ぎ：1件" in out.getvalue()
    due.refresh_from_db()
    assert due.status == HandoverStatus.EXECUTED
