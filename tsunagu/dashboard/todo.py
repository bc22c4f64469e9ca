"""今日やること: every due or overdue item of the user's work, with its reason and the screen where it is done.

One list, built from the rules that already exist (this module decides nothing of its own about
when a thing is due; it asks the apps and composes):

- モニタリング: ``cases.selectors.cases_monitoring_overdue`` (the plan in force, its next monitoring date);
- プラン期間の終了: ``cases.selectors.plans_ending_within`` (a plan in force whose period ends);
- 接触なし: ``dashboard.selectors.no_contact_cases`` (``NO_CONTACT_DAYS`` without a contact);
- つなぎのフォローアップ: the referral's フォローアップ予定日 (``referrals.selectors.referrals_visible_to``);
- 同意の有効期限: ``referrals.selectors.consents_expiring_queryset`` (a consent in force that expires and
  no later consent takes over);
- 同意の再取得: ``privacy.selectors.consents_needing_renewal_for`` (the consent in force was given on a
  version of the 規程 that lacks a purpose of the version in force; from that version's 適用開始日);
- 求職活動状況報告 and the 延長申請の期限 of 住居確保給付金: ``programs.selectors.report_months_status`` and
  ``programs.housing_rules`` (``period_end``, ``period_end_warning``: the extension is applied for by the
  last day of the last month of the period);
- 事業の利用期限 (一時生活支援・就労準備支援 …): ``programs.selectors.enrolment_warnings``;
- for the 自治体担当者: 支援決定・確認 waiting (``meetings.selectors.decisions_pending_for``), 住居確保給付金
  applications waiting for the 支給決定, and extension applications waiting for a decision.

The horizon: everything overdue, and what falls due within ``HORIZON_DAYS`` days. Where a rule has its
own advance notice (the consent's ``EXPIRY_WINDOW_DAYS``, the benefit period's
``PERIOD_END_WARNING_DAYS``, the enrolment limits, the dashboard's ``ENDING_WITHIN_DAYS`` for plans),
that notice is used, so the item appears when the app itself starts warning about it.

Whose items: the user's own cases (assigned to them). A 主任相談支援員 / センター長 (who may list the whole
agency) sees their own by default and the agency's when they ask (``scope=agency``): a to-do list is
what *I* have to do; the agency-wide view is there to look over the team's. Every read starts from
the apps' scoped selectors (``scoping.scope_for_user``), so another agency's record never appears.

Queries: one per kind (two for the benefit applications' reports and extensions, prefetched), whatever
the number of cases. The view audits the records listed (one batched INSERT).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse

from tsunagu.cases import selectors as case_selectors
from tsunagu.cases.models import OPEN_STATES, Case
from tsunagu.core.dates import wareki
from tsunagu.meetings import selectors as meeting_selectors
from tsunagu.organizations.roles import Permission
from tsunagu.organizations.scoping import scope_for_user
from tsunagu.privacy import selectors as privacy_selectors
from tsunagu.privacy import services as privacy_services
from tsunagu.programs import housing_rules as hr
from tsunagu.programs import selectors as program_selectors
from tsunagu.programs.models import (
    ApplicationState,
    BenefitType,
    EnrolmentStatus,
    ExtensionState,
    HousingBenefitExtension,
)
from tsunagu.referrals import selectors as referral_selectors
from tsunagu.referrals.models import ReferralStatus

from . import selectors
from .selectors import AGENCY, MINE, NO_CONTACT_DAYS

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

HORIZON_DAYS = 7
# A plan in force whose period has already ended is overdue (評価 not done); look that far back.
PLAN_OVERDUE_LOOKBACK_DAYS = 3650
# Referrals whose follow-up still means something (a cancelled or declined one has none).
FOLLOW_UP_STATUSES = (
    ReferralStatus.REQUESTED,
    ReferralStatus.ACCEPTED,
    ReferralStatus.IN_SUPPORT,
    ReferralStatus.COMPLETED,
)


class Kind:
    MONITORING = "monitoring"
    PLAN_ENDING = "plan_ending"
    NO_CONTACT = "no_contact"
    REFERRAL_FOLLOW_UP = "referral_follow_up"
    CONSENT_EXPIRING = "consent_expiring"
    CONSENT_RENEWAL = "consent_renewal"
    HOUSING_REPORT = "housing_report"
    HOUSING_EXTENSION = "housing_extension"
    ENROLMENT_ENDING = "enrolment_ending"
    SUPPORT_DECISION = "support_decision"
    HOUSING_DECISION = "housing_decision"
    HOUSING_EXTENSION_DECISION = "housing_extension_decision"


# In the order a caseworker reads them on a day with several items due the same date.
KIND_LABELS: dict[str, str] = {
    Kind.MONITORING: "モニタリング",
    Kind.PLAN_ENDING: "プラン期間の終了",
    Kind.NO_CONTACT: f"{NO_CONTACT_DAYS}日以上接触なし",
    Kind.REFERRAL_FOLLOW_UP: "つなぎのフォローアップ",
    Kind.CONSENT_EXPIRING: "同意の有効期限",
    Kind.CONSENT_RENEWAL: "同意の再取得",
    Kind.HOUSING_REPORT: "求職活動状況報告",
    Kind.HOUSING_EXTENSION: "住居確保給付金の延長申請期限",
    Kind.ENROLMENT_ENDING: "事業の利用期限",
    Kind.SUPPORT_DECISION: "支援決定・確認",
    Kind.HOUSING_DECISION: "住居確保給付金の支給決定",
    Kind.HOUSING_EXTENSION_DECISION: "住居確保給付金の延長の決定",
}
KIND_ORDER = {k: i for i, k in enumerate(KIND_LABELS)}


@dataclass(frozen=True)
class TodoItem:
    """One thing to do: when, what, why (a Japanese sentence), for whom, and where it is done."""

    due_on: date
    kind: str
    reason: str
    url: str
    overdue: bool
    case_id: int | None = None
    case_number: str = ""
    person_name: str = ""
    # A decision waiting: ``due_on`` is the day it has waited since (no deadline of its own).
    waiting: bool = False
    # The record the item was read from (audited as viewed when the list is shown).
    record: models.Model | None = field(default=None, compare=False, repr=False)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def sort_key(self) -> tuple[int, date, int, str]:
        return (0 if self.overdue else 1, self.due_on, KIND_ORDER[self.kind], self.case_number)


def horizon_text(user: User) -> str:
    """What the list holds, said on the screen (the numbers come from the rules themselves)."""
    if not selectors.sees_cases(user):
        return (
            "支援決定・確認、住居確保給付金の支給決定と延長の決定を待っているものを、"
            "待っている日の古い順にすべて表示します。"
        )
    return (
        f"期限を過ぎたものと、{HORIZON_DAYS}日以内に期限が来るものを表示します"
        f"（同意の有効期限は{referral_selectors.EXPIRY_WINDOW_DAYS}日前から、"
        f"プラン期間の終了は{selectors.ENDING_WITHIN_DAYS}日前から、"
        f"住居確保給付金の延長申請期限は{hr.PERIOD_END_WARNING_DAYS}日前から、"
        "事業の利用期限は各事業の案内の時期から）。"
    )


def todo_scope(user: User, requested: str = "") -> str:
    """Own cases, unless a user who may list the whole agency asks for it."""
    if requested == AGENCY and user.can(Permission.CASE_VIEW_ALL):
        return AGENCY
    return MINE


# Who has a to-do list: those who work on cases (case.edit: their own, and the agency's when they
# may also list it) and the 自治体担当者 (decisions). Those who only read (事務員, 個人情報管理責任者,
# 監査) have none.
TODO_PERMISSIONS = (Permission.CASE_EDIT, Permission.DECISION_RECORD)


def sees_todo(user: User) -> bool:
    return any(user.can(p) for p in TODO_PERMISSIONS)


def todo_for(user: User, today: date, *, scope: str = MINE) -> list[TodoItem]:
    """Every due or overdue item of ``user`` (see the module docstring), overdue first, then by date."""
    items: list[TodoItem] = []
    if selectors.sees_cases(user):
        items += _monitoring(user, scope, today)
        items += _plans_ending(user, scope, today)
        items += _no_contact(user, scope, today)
        items += _referral_follow_ups(user, scope, today)
        items += _consents_expiring(user, scope, today)
        items += _consents_renewal(user, scope, today)
        items += _housing(user, scope, today)
        items += _enrolments(user, scope, today)
    if user.can(Permission.DECISION_RECORD):
        items += _support_decisions(user, today)
        items += _housing_decisions(user, today)
        items += _housing_extension_decisions(user, today)
    return sorted(items, key=lambda i: i.sort_key)


def kinds_for(user: User) -> list[tuple[str, str]]:
    """The kinds this user can have (the filter of the full page)."""
    keys: list[str] = []
    if selectors.sees_cases(user):
        keys += [
            Kind.MONITORING,
            Kind.PLAN_ENDING,
            Kind.NO_CONTACT,
            Kind.REFERRAL_FOLLOW_UP,
            Kind.CONSENT_EXPIRING,
            Kind.CONSENT_RENEWAL,
            Kind.HOUSING_REPORT,
            Kind.HOUSING_EXTENSION,
            Kind.ENROLMENT_ENDING,
        ]
    if user.can(Permission.DECISION_RECORD):
        keys += [Kind.SUPPORT_DECISION, Kind.HOUSING_DECISION, Kind.HOUSING_EXTENSION_DECISION]
    return [(k, KIND_LABELS[k]) for k in keys]


# --- Caseworkers ---------------------------------------------------------------------------------


def _mine(qs: models.QuerySet[Any], user: User, scope: str, field_name: str) -> models.QuerySet[Any]:
    return qs if scope == AGENCY else qs.filter(**{field_name: user})


def _when(due: date, today: date) -> str:
    if due < today:
        return f"{wareki(due)}を過ぎています"
    if due == today:
        return f"今日（{wareki(due)}）です"
    return f"{wareki(due)}です（あと{(due - today).days}日）"


def _case_item(case: Case, **kw: Any) -> TodoItem:
    return TodoItem(case_id=case.pk, case_number=case.case_number, person_name=case.person.name, **kw)


def _monitoring(user: User, scope: str, today: date) -> list[TodoItem]:
    # The overdue rule asked one horizon ahead: next monitoring date on or before today + horizon.
    until = today + timedelta(days=HORIZON_DAYS + 1)
    cases = selectors.monitoring_overdue(user, scope, until)
    return [
        _case_item(
            c,
            due_on=c.next_monitoring_on,  # type: ignore[attr-defined]
            kind=Kind.MONITORING,
            reason=f"プラン（第{c.plan_number}版）の次回モニタリング日は{_when(c.next_monitoring_on, today)}。"  # type: ignore[attr-defined]
            "モニタリングを行い、支援経過記録に「モニタリングとして記録する」で記録してください。",
            url=reverse("cases:record_new", args=[c.pk]) + "?monitoring=1",
            overdue=c.next_monitoring_on < today,  # type: ignore[attr-defined]
            record=c,
        )
        for c in cases
    ]


def _plans_ending(user: User, scope: str, today: date) -> list[TodoItem]:
    since = today - timedelta(days=PLAN_OVERDUE_LOOKBACK_DAYS)
    plans = _mine(
        case_selectors.plans_ending_within(
            user, PLAN_OVERDUE_LOOKBACK_DAYS + selectors.ENDING_WITHIN_DAYS, today=since
        ),
        user,
        scope,
        "case__assigned_worker",
    )
    out = []
    for p in plans:
        ended = p.end_date < today
        verb = "終わりました" if ended else "終わります"
        out.append(
            _case_item(
                p.case,
                due_on=p.end_date,
                kind=Kind.PLAN_ENDING,
                reason=f"プラン（第{p.number}版）の期間が{wareki(p.end_date)}に{verb}。"
                "評価を行い、終結か再プランかを検討してください。",
                url=reverse("cases:evaluation_new", args=[p.case_id]),
                overdue=ended,
                record=p,
            )
        )
    return out


def _no_contact(user: User, scope: str, today: date) -> list[TodoItem]:
    # The 30-day rule asked one horizon ahead: the 30th day without contact falls within the horizon.
    cases = selectors.no_contact_cases(user, scope, today + timedelta(days=HORIZON_DAYS))
    out = []
    for c in cases:
        since = c.last_contact_on or c.opened_on
        due = since + timedelta(days=NO_CONTACT_DAYS)
        what = (
            f"最後の接触（{wareki(c.last_contact_on)}）"
            if c.last_contact_on
            else f"受付（{wareki(c.opened_on)}）"
        )
        if due < today:
            when = f"から{(today - since).days}日、接触の記録がありません"
        else:
            when = f"から{NO_CONTACT_DAYS}日になるのは{_when(due, today)}"
        out.append(
            _case_item(
                c,
                due_on=due,
                kind=Kind.NO_CONTACT,
                reason=f"{what}{when}。連絡・面談をして支援経過記録に記録してください。",
                url=reverse("cases:record_new", args=[c.pk]),
                overdue=due < today,
                record=c,
            )
        )
    return out


def _referral_follow_ups(user: User, scope: str, today: date) -> list[TodoItem]:
    qs = _mine(
        referral_selectors.referrals_visible_to(user).filter(
            status__in=FOLLOW_UP_STATUSES, follow_up_on__lte=today + timedelta(days=HORIZON_DAYS)
        ),
        user,
        scope,
        "case__assigned_worker",
    ).select_related("case", "person", "partner")
    out = []
    for r in qs.order_by("follow_up_on", "id"):
        to = r.partner.name if r.partner_id else r.get_program_display()  # type: ignore[union-attr]
        out.append(
            TodoItem(
                due_on=r.follow_up_on,  # type: ignore[arg-type]
                kind=Kind.REFERRAL_FOLLOW_UP,
                reason=f"{to}へのつなぎ（{r.get_status_display()}）のフォローアップ予定日は"
                f"{_when(r.follow_up_on, today)}。つなぎ先の状況を確認し、結果を記録してください。",  # type: ignore[arg-type]
                url=reverse("referrals:referral_outcome", args=[r.pk]),
                overdue=r.follow_up_on < today,  # type: ignore[operator]
                case_id=r.case_id,
                case_number=r.case.case_number,
                person_name=r.person.name,
                record=r,
            )
        )
    return out


def _consents_expiring(user: User, scope: str, today: date) -> list[TodoItem]:
    open_cases = _mine(
        case_selectors.cases_visible_to(user).filter(person=OuterRef("person"), state__in=OPEN_STATES),
        user,
        scope,
        "assigned_worker",
    ).order_by("-opened_on", "-id")
    qs = (
        referral_selectors.consents_expiring_queryset(user=user, on=today)
        .annotate(
            open_case_id=Subquery(open_cases.values("pk")[:1]),
            open_case_number=Subquery(open_cases.values("case_number")[:1]),
        )
        .filter(open_case_id__isnull=False)
    )
    return [
        TodoItem(
            due_on=c.expires_on,  # type: ignore[arg-type]
            kind=Kind.CONSENT_EXPIRING,
            reason=f"個人情報の利用・提供の同意の有効期限は{_when(c.expires_on, today)}。"  # type: ignore[arg-type]
            "支援を続ける場合は、改めて同意を確認して記録してください。",
            url=reverse("cases:consent_new", args=[c.person_id]),
            overdue=False,  # a consent past its date is no longer in force: it leaves this list
            case_id=c.open_case_id,  # type: ignore[attr-defined]
            case_number=c.open_case_number,  # type: ignore[attr-defined]
            person_name=c.person.name,
            record=c,
        )
        for c in qs
    ]


def _consents_renewal(user: User, scope: str, today: date) -> list[TodoItem]:
    """同意の再取得が必要 (a purpose was added by the version in force), for the open cases: one
    query for the agency's versions, and one for the consents only when a version lacks a purpose."""
    open_cases = _mine(
        case_selectors.cases_visible_to(user).filter(person=OuterRef("person"), state__in=OPEN_STATES),
        user,
        scope,
        "assigned_worker",
    ).order_by("-opened_on", "-id")
    qs = (
        privacy_selectors.consents_needing_renewal_for(user, on=today)
        .annotate(
            open_case_id=Subquery(open_cases.values("pk")[:1]),
            open_case_number=Subquery(open_cases.values("case_number")[:1]),
        )
        .filter(open_case_id__isnull=False)
    )
    items = []
    current = None
    for c in qs:
        if current is None:
            current = privacy_services.current_notice(user.agency, today)
        if current is None or current.effective_from is None:
            break
        items.append(
            TodoItem(
                due_on=current.effective_from,
                kind=Kind.CONSENT_RENEWAL,
                reason=f"規程の第{current.version}版（{wareki(current.effective_from)}から適用）で"
                "利用目的が追加されました。新しい版を説明し、改めて同意を記録してください。",
                url=reverse("cases:consent_new", args=[c.person_id]),
                overdue=False,
                case_id=c.open_case_id,  # type: ignore[attr-defined]
                case_number=c.open_case_number,  # type: ignore[attr-defined]
                person_name=c.person.name,
                record=c,
            )
        )
    return items


def _housing(user: User, scope: str, today: date) -> list[TodoItem]:
    """The benefit being paid: each month's 求職活動状況報告 (due by the month's last day, missing when
    that month is over), and the extension, applied for by the last day of the period."""
    apps = (
        _mine(
            program_selectors.housing_applications_visible_to(user).filter(
                state=ApplicationState.AWARDED, benefit_type=BenefitType.RENT
            ),
            user,
            scope,
            "case__assigned_worker",
        )
        .select_related("case")
        .prefetch_related("job_search_reports", "extensions")
        .order_by("first_month", "id")
    )
    horizon_end = today + timedelta(days=HORIZON_DAYS)
    out: list[TodoItem] = []
    for app in apps:
        common = {
            "case_id": app.case_id,
            "case_number": app.case.case_number,
            "person_name": app.person.name,
            "record": app,
        }
        # The months whose last day is on or before the horizon's end, without a report.
        missing, _ = program_selectors.report_months_status(app, before=horizon_end + timedelta(days=1))
        for month in missing:
            due = hr.last_of_month(month)
            out.append(
                TodoItem(
                    due_on=due,
                    kind=Kind.HOUSING_REPORT,
                    reason=f"住居確保給付金（{hr.month_label(month)}分）の求職活動状況報告の期限は"
                    f"{_when(due, today)}。報告を受けて記録してください。",
                    url=reverse("programs:housing_application_action", args=[app.pk, "report"]),
                    overdue=due < today,
                    **common,  # type: ignore[arg-type]
                )
            )
        end = app.period_end
        extensions = list(app.extensions.all())
        if end is None or not hr.period_end_warning(end, today):
            continue
        if any(e.state == ExtensionState.PENDING for e in extensions):
            continue  # applied for: the municipality decides
        approved = sum(1 for e in extensions if e.state == ExtensionState.APPROVED)
        can_extend = (
            approved < hr.MAX_EXTENSIONS and app.months_awarded + hr.EXTENSION_MONTHS <= hr.MAX_PERIOD_MONTHS
        )
        if can_extend:
            reason = (
                f"住居確保給付金の支給期間は{wareki(end)}までです。延長する場合は、この日（期間の最終月の末日）"
                "までに延長を申請してください。"
            )
            url = reverse("programs:housing_application_action", args=[app.pk, "extension_apply"])
        else:
            reason = (
                f"住居確保給付金の支給期間は{wareki(end)}に終わります。通算9か月の上限に達するため延長できません。"
                "終了後の住まいと家計を本人と確認してください。"
            )
            url = reverse("programs:housing_application_detail", args=[app.pk])
        out.append(
            TodoItem(due_on=end, kind=Kind.HOUSING_EXTENSION, reason=reason, url=url, overdue=False, **common)  # type: ignore[arg-type]
        )
    return out


def _enrolments(user: User, scope: str, today: date) -> list[TodoItem]:
    """An enrolment near a limit of its programme (the programme's own warning), or still recorded as
    in use after its planned end date (the end is to be recorded)."""
    qs = _mine(
        program_selectors.enrolments_visible_to(user).filter(
            status=EnrolmentStatus.ACTIVE, start_on__lte=today
        ),
        user,
        scope,
        "case__assigned_worker",
    ).order_by("end_on", "id")
    out = []
    for e in qs:
        url = reverse("programs:enrolment_detail", args=[e.pk])
        common = {
            "case_id": e.case_id,
            "case_number": e.case.case_number,
            "person_name": e.person.name,
            "url": url,
            "record": e,
        }
        if e.end_on < today:
            out.append(
                TodoItem(
                    due_on=e.end_on,
                    kind=Kind.ENROLMENT_ENDING,
                    reason=f"{e.get_program_display()}の利用終了予定日（{wareki(e.end_on)}）を過ぎています。"
                    "利用の終了または延長を記録してください。",
                    overdue=True,
                    **common,  # type: ignore[arg-type]
                )
            )
            continue
        warnings = program_selectors.enrolment_warnings(e, today=today)
        if not warnings:
            continue
        limits = [d for d in (e.standard_limit_on, e.maximum_limit_on, e.end_on) if d and d >= today]
        out.append(
            TodoItem(
                due_on=min(limits),
                kind=Kind.ENROLMENT_ENDING,
                reason="".join(warnings),
                overdue=False,
                **common,  # type: ignore[arg-type]
            )
        )
    return out


# --- 自治体担当者 ---------------------------------------------------------------------------------


def _support_decisions(user: User, today: date) -> list[TodoItem]:
    out = []
    for c in meeting_selectors.decisions_pending_for(user):
        plan = c.approved_plans[0] if c.approved_plans else None  # type: ignore[attr-defined]
        since = plan.updated_at.date() if plan else c.opened_on
        version = f"（第{plan.number}版）" if plan else ""
        out.append(
            _case_item(
                c,
                due_on=since,
                kind=Kind.SUPPORT_DECISION,
                reason=f"{c.agency.name}のプラン{version}が支援調整会議で了承されています（{wareki(since)}）。"
                "支援決定・確認を記録してください。",
                url=reverse("meetings:decision_new", args=[c.pk]),
                overdue=False,
                waiting=True,
                record=c,
            )
        )
    return out


def _housing_decisions(user: User, today: date) -> list[TodoItem]:
    apps = (
        program_selectors.housing_applications_visible_to(user)
        .filter(state=ApplicationState.APPLIED)
        .order_by("application_date", "id")
    )
    return [
        TodoItem(
            due_on=a.application_date,
            kind=Kind.HOUSING_DECISION,
            reason=f"{a.agency.name}で{wareki(a.application_date)}に受け付けた住居確保給付金"
            f"（{a.get_benefit_type_display()}）の申請が決定を待っています。支給決定・不支給を記録してください。",
            url=reverse("programs:housing_application_action", args=[a.pk, "decision"]),
            overdue=False,
            waiting=True,
            case_id=a.case_id,
            case_number=a.case.case_number,
            person_name=a.person.name,
            record=a,
        )
        for a in apps
    ]


def _housing_extension_decisions(user: User, today: date) -> list[TodoItem]:
    qs = (
        scope_for_user(HousingBenefitExtension.objects.all(), user)
        .filter(state=ExtensionState.PENDING, application__state=ApplicationState.AWARDED)
        .filter(Q(application__benefit_type=BenefitType.RENT))
        .select_related("application", "application__case", "application__agency", "person")
        .order_by("applied_on", "id")
    )
    return [
        TodoItem(
            due_on=x.applied_on,
            kind=Kind.HOUSING_EXTENSION_DECISION,
            reason=f"{x.application.agency.name}から{wareki(x.applied_on)}に住居確保給付金の"
            f"{'再延長' if x.sequence > 1 else '延長'}の申請がありました。延長の決定を記録してください。",
            url=reverse("programs:housing_extension_decide", args=[x.application_id, x.pk]),
            overdue=False,
            waiting=True,
            case_id=x.application.case_id,
            case_number=x.application.case.case_number,
            person_name=x.person.name,
            record=x,
        )
        for x in qs
    ]
