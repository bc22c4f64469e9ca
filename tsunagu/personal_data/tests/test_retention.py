from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.management import call_command

from tsunagu.cases.models import Case, Intake
from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.organizations.guards import AccessDenied
from tsunagu.organizations.models import User
from tsunagu.personal_data import retention
from tsunagu.personal_data.models import RecordType, RetentionReview, ReviewStatus
from tsunagu.persons.models import HouseholdMember, Person, PersonKanaTrigram

from .helpers import all_figures, set_rules, world_with_takahashi_finished

AS_OF = date(2031, 12, 1)


@pytest.fixture
def world(demo: Any) -> Any:
    return world_with_takahashi_finished()


def test_no_rule_nothing_is_due(world: Any) -> None:
    assert retention.due_items(world.agency_s, world.shinjuku, AS_OF) == []
    assert retention.monthly_reviews(AS_OF) == []


def test_due_only_past_retention_only_finished_only_own_agency(world: Any) -> None:
    set_rules(world.shinjuku, 5)
    set_rules(world.hasuda, 5)
    Case.all_cases.filter(pk=world.cases["C5"].pk).update(state="closed", closed_on=date(2025, 12, 1))
    items = retention.due_items(world.agency_s, world.shinjuku, AS_OF)
    cases = {i.object_id for i in items if i.record_type == RecordType.CASE}
    persons = {i.object_id for i in items if i.record_type == RecordType.PERSON}
    c = world.cases
    # C1 and C4 closed (髙橋); C6 is in フォローアップ, C7 中断, C2 open, C3 has no 終結日
    takahashi = set(Case.all_cases.filter(person=c["C1"].person).values_list("pk", flat=True))
    assert cases == takahashi and len(takahashi) == 3
    assert persons == {c["C1"].person_id}
    assert c["C5"].pk not in cases  # 蓮田市's centre: another agency
    # not yet past 5 years on 2030-06-01 for C4 (closed 2025-11-30), C1 is (2025-06-30)
    early = retention.due_items(world.agency_s, world.shinjuku, date(2030, 7, 1))
    assert {i.object_id for i in early if i.record_type == RecordType.CASE} == {c["C1"].pk}
    assert not [i for i in early if i.record_type == RecordType.PERSON]


def test_person_with_an_open_case_is_never_due(world: Any) -> None:
    set_rules(world.shinjuku, 1)
    items = retention.due_items(world.agency_s, world.shinjuku, AS_OF)
    yamazaki = world.cases["C2"].person_id
    assert yamazaki not in {i.object_id for i in items if i.record_type == RecordType.PERSON}
    assert world.cases["C6"].pk not in {i.object_id for i in items}


def test_approve_anonymises_keeps_statistics_and_audits_without_names(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    set_rules(world.shinjuku, 5)
    takahashi = world.cases["C1"].person
    Intake.objects.filter(case=world.cases["C1"]).update(chief_complaint="家賃を3か月滞納している")
    merged = Person.objects.create(
        agency=takahashi.agency,
        municipality=takahashi.municipality,
        name="髙橋 一朗",
        kana="タカハシ イチロウ",
        created_by=User.objects.get(username="shinjuku-soudan"),
        merged_into=takahashi,
    )
    before = all_figures(world)
    call_command("retention_review", "--as-of", AS_OF.isoformat())
    review = RetentionReview.objects.get(agency=world.agency_s, municipality=world.shinjuku)
    assert review.items.count() == 4
    officer = User.objects.get(username="shinjuku-privacy")
    with django_capture_on_commit_callbacks(execute=True):
        retention.approve(officer, review)
    review.refresh_from_db()
    assert review.status == ReviewStatus.DONE, review.error
    assert review.progress_done == 4

    person = Person.objects.get(pk=takahashi.pk)
    assert person.name == "（廃棄済み）" and person.kana == "" and person.birth_date is None
    assert not HouseholdMember.objects.filter(person=person).exists()
    assert Person.objects.get(pk=merged.pk).name == "（廃棄済み）"  # merged into him (名寄せ)
    assert not PersonKanaTrigram.objects.filter(person=person).exists()
    assert Intake.objects.get(case=world.cases["C1"]).chief_complaint == ""
    assert all_figures(world) == before  # every figure of past months is identical

    row = AuditEvent.objects.get(action=AuditAction.DELETE, object_type="retentionreview")
    assert row.person_id is None
    assert row.details["review"] == review.pk and row.details["items"] == {"case": 3, "person": 1}
    text = str(row.details)
    assert "髙橋" not in text and "タカハシ" not in text
    # nothing is listed twice
    assert retention.due_items(world.agency_s, world.shinjuku, AS_OF) == []


def test_excluded_items_are_kept(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    set_rules(world.shinjuku, 5)
    review = retention.create_review(world.agency_s, world.shinjuku, AS_OF)
    officer = User.objects.get(username="shinjuku-privacy")
    person_item = review.items.get(record_type=RecordType.PERSON)
    retention.set_exclusion(officer, review, person_item.pk, excluded=True, reason="訴訟・苦情対応中")
    with django_capture_on_commit_callbacks(execute=True):
        retention.approve(officer, review)
    assert Person.objects.get(pk=person_item.object_id).name == "髙橋 一郎"
    assert HouseholdMember.objects.filter(person_id=person_item.object_id).exists()


def test_only_the_privacy_officer_of_the_agency_approves(world: Any) -> None:
    set_rules(world.shinjuku, 5)
    review = retention.create_review(world.agency_s, world.shinjuku, AS_OF)
    for username in ("shinjuku-center", "hasuda-privacy"):
        with pytest.raises(AccessDenied):
            retention.approve(User.objects.get(username=username), review)
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).count() == 2
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING


def test_reopened_case_is_skipped_at_execution(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    set_rules(world.shinjuku, 5)
    review = retention.create_review(world.agency_s, world.shinjuku, AS_OF)
    Case.all_cases.filter(pk=world.cases["C4"].pk).update(state="in_support")
    with django_capture_on_commit_callbacks(execute=True):
        retention.approve(User.objects.get(username="shinjuku-privacy"), review)
    review.refresh_from_db()
    assert review.counts["skipped"] == 4
    assert Person.objects.get(pk=world.cases["C4"].person_id).name == "髙橋 一郎"


def test_rules_are_set_by_the_municipal_officer_with_history(world: Any) -> None:
    from tsunagu.core.history import history_of

    set_rules(world.shinjuku, 5, (RecordType.CASE,))
    rule = retention.rules_in_force(world.shinjuku.pk, AS_OF)[RecordType.CASE]
    officer = User.objects.get(username="shinjuku-jichitai")
    retention.save_rule(
        officer,
        world.shinjuku,
        record_type=RecordType.CASE,
        years=7,
        basis="新宿区文書管理規程 第12条",
        effective_from=date(2026, 4, 1),
        version=rule.version,
    )
    history = history_of(rule)
    assert len(history) == 2 and history[0].rows[0]["after"] in {"7年", "新宿区文書管理規程 第12条"}
    with pytest.raises(AccessDenied):
        retention.save_rule(
            User.objects.get(username="hasuda-jichitai"),
            world.shinjuku,
            record_type=RecordType.CASE,
            years=1,
            basis="x",
            effective_from=date(2026, 4, 1),
        )


def test_the_history_of_an_anonymised_record_is_deleted_with_a_trace(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """変更履歴 holds the earlier values of a corrected 申込票: it goes with the record, through the
    one door the trigger leaves open (a ChangeRecordPurge row naming the record), and nowhere else."""
    from django.db import DatabaseError, connection, transaction

    from tsunagu.core.history import record_change
    from tsunagu.core.models import ChangeRecord, ChangeRecordPurge

    set_rules(world.shinjuku, 5)
    intake = Intake.objects.get(case=world.cases["C1"])
    worker = User.objects.get(username="shinjuku-soudan")
    record_change(
        actor=worker,
        obj=intake,
        before={"chief_complaint": "旧住所 新宿区西新宿一丁目で家賃滞納"},
        after={"chief_complaint": "家賃滞納"},
        labels={"chief_complaint": "主訴"},
        shown=lambda _f, v: str(v),
    )
    other = Intake.objects.exclude(case__person=world.cases["C1"].person).first()
    assert other is not None
    record_change(
        actor=worker,
        obj=other,
        before={"chief_complaint": "a"},
        after={"chief_complaint": "b"},
        labels={"chief_complaint": "主訴"},
        shown=lambda _f, v: str(v),
    )
    call_command("retention_review", "--as-of", AS_OF.isoformat())
    review = RetentionReview.objects.get(agency=world.agency_s, municipality=world.shinjuku)
    with django_capture_on_commit_callbacks(execute=True):
        retention.approve(User.objects.get(username="shinjuku-privacy"), review)
    review.refresh_from_db()
    assert review.status == ReviewStatus.DONE, review.error

    assert not ChangeRecord.objects.filter(model="intake", object_id=str(intake.pk)).exists()
    trace = ChangeRecordPurge.objects.get(model="intake", object_id=str(intake.pk))
    assert "保存期間" in trace.basis
    assert "西新宿" not in str(AuditEvent.objects.filter(object_type="retentionreview").values("details"))
    # Any other history is still refused a DELETE by the database itself.
    kept = ChangeRecord.objects.get(model="intake", object_id=str(other.pk))
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_changerecord WHERE id = %s", [kept.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_changerecordpurge WHERE id = %s", [trace.pk])
    assert ChangeRecord.objects.filter(pk=kept.pk).exists()
