"""相談受付: search first, then the 申込票 (person, intake, consent and 利用申込 in one transaction);
the 申込票 corrected after saving (申込票の訂正, with its version history). Both show the B票
(仕事・住居・健康保険・年金) and, read-only, the person's 世帯構成 from the 世帯 records.

One open case per person and agency: a person who already has a case before 終結・中断・取消 is
shown with that case and 「このケースに記録する」; a second case needs a reason (services).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tsunagu.core.drafts import form_data, page_draft
from tsunagu.core.forms import apply_service_errors
from tsunagu.core.history import history_of
from tsunagu.core.locking import DiffRow, StaleVersionError, diff_rows, model_values
from tsunagu.network.models import PartnerAgency
from tsunagu.organizations.guards import permission_required
from tsunagu.organizations.roles import Permission
from tsunagu.persons import selectors as person_selectors
from tsunagu.persons.forms import PersonForm, PersonSearchForm
from tsunagu.privacy.forms import ConsentForm
from tsunagu.privacy.policies import consent_in_force

from .. import selectors, services
from ..forms import IntakeEditForm, IntakeForm
from ..intake_sheet import household_rows, housing_type_from_status
from ..policies import require_intake_corrector
from .common import actor, seen_version

# What the search carries into the 申込票 (氏名, フリガナ, 生年月日, 電話).
CARRIED = ("name", "kana", "birth_date", "phone")


def _open_cases(request: HttpRequest, people: list[Any]) -> dict[int, Any]:
    return selectors.open_cases_of_persons(user=actor(request), person_ids=[p.pk for p in people])


@permission_required(Permission.CASE_EDIT)
def intake_start(request: HttpRequest) -> HttpResponse:
    """相談受付はまず検索から: find an existing person before registering a new one.

    A surname alone (高橋, タカハシ, ﾀｶﾊｼ) lists every person with that surname. Each candidate
    with an open case shows it, with 「このケースに記録する」.
    """
    form = PersonSearchForm(request.GET or None)
    candidates = None
    open_cases: dict[int, Any] = {}
    carried = ""
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        candidates = person_selectors.person_duplicate_candidates(
            user=actor(request),
            name=d["name"],
            kana=d["kana"],
            birth_date=d["birth_date"],
            phone=d["phone"],
            min_score=0.3,
            limit=100,
            via="intake_start",
        )
        open_cases = _open_cases(request, [c.person for c in candidates])
        carried = _carried_query(d)
    return render(
        request,
        "cases/intake_start.html",
        {
            "form": form,
            "candidates": candidates,
            "open_cases": open_cases,
            "carried_query": carried,
        },
    )


def _carried_query(d: dict[str, Any]) -> str:
    from django.http import QueryDict

    q = QueryDict(mutable=True)
    for k in CARRIED:
        v = d.get(k)
        if v:
            q[k] = v.isoformat() if hasattr(v, "isoformat") else str(v)
    return q.urlencode()


def _carried_initial(request: HttpRequest) -> dict[str, Any]:
    """The search's 氏名・フリガナ・生年月日・電話 (GET), as the new person's initial values."""
    search = PersonSearchForm({k: request.GET.get(k, "") for k in CARRIED})
    if search.is_valid():
        return {k: search.cleaned_data.get(k) for k in CARRIED if search.cleaned_data.get(k)}
    return {k: request.GET.get(k, "") for k in ("name", "kana", "phone") if request.GET.get(k)}


@permission_required(Permission.CASE_EDIT)
def intake_new(request: HttpRequest) -> HttpResponse:
    """相談受付・申込票: person (new or chosen), intake, consent and 利用申込 in one transaction.

    Five sections in the order of the interview (本人 / 相談の内容 / B票 / スクリーニング / 同意).
    The consent section is checked only when 「同意を得た」 is ticked, so a duplicate warning or
    another error never brings consent errors the caseworker did not ask for.
    """
    user = actor(request)
    if request.method == "POST":
        # A double submit (same token): show the case the first submit created.
        done = selectors.case_for_submission(user=user, token=request.POST.get("intake-submission_token", ""))
        if done is not None:
            messages.info(request, f"この受付は既に保存されています（ケース番号 {done.case_number}）。")
            return redirect("cases:case_detail", case_id=done.pk)
    person = None
    person_id = request.GET.get("person") or request.POST.get("person")
    if person_id:
        person = person_selectors.person_get_for_user(user=user, person_id=person_id)
    # The server draft of this page (core/drafts.py), scoped to the person chosen (if any): a draft
    # typed for another person is never restored here.
    draft = page_draft(
        request, obj=person, path=f"{request.path}?person={person.pk}" if person is not None else None
    )
    data = form_data(request, draft)
    if person is None and data is not None and data.get("person"):
        person = person_selectors.person_get_for_user(user=user, person_id=data.get("person"))
    open_case = _open_cases(request, [person]).get(person.pk) if person is not None else None
    partners = PartnerAgency.objects.in_area_of(user.agency)
    municipality = user.agency.municipality_id if user.agency else None
    intake_form = IntakeForm(
        data,
        prefix="intake",
        # 住居 (B票): the person's 住まいの状況 where the category is the same (intake_sheet.py).
        initial={"housing_type": housing_type_from_status(person.housing_status, municipality)}
        if person is not None
        else None,
        partner_queryset=partners,
        municipality=municipality,
    )
    if open_case is None:
        del intake_form.fields["second_case_reason"]
    person_form = None
    if person is None:
        person_form = PersonForm(data, prefix="person", initial=_carried_initial(request))
    consent_given = bool(data and data.get("consent-given"))
    consent_form = (
        ConsentForm(data, prefix="consent", partner_queryset=partners, agency=user.agency)
        if consent_given
        else ConsentForm(prefix="consent", partner_queryset=partners, agency=user.agency)
    )
    draft.quiet(intake_form, *[f for f in (person_form, consent_form) if f is not None])
    candidates: list[Any] = []
    confirm_new = bool(data and data.get("confirm_new_person"))
    if request.method == "POST":
        valid = intake_form.is_valid()
        if person_form is not None:
            valid = person_form.is_valid() and valid
        if consent_given:
            valid = consent_form.is_valid() and valid
        if valid and person_form is not None and not confirm_new:
            d = person_form.cleaned_data
            candidates = person_selectors.person_probable_duplicates(
                user=user,
                name=d["name"],
                kana=d["kana"],
                birth_date=d["birth_date"],
                phone=d["phone"],
                address=d["address"],
            )
            if candidates:
                valid = False
                messages.warning(
                    request,
                    "同じ方が既に登録されている可能性があります。候補を確認し、同じ方ならその方で受付してください。別の方の場合は「別の方として登録する」にチェックして保存してください。",
                )
        if valid:
            consent_values = None
            named = None
            if consent_given:
                cd = consent_form.cleaned_data
                consent_values = {
                    k: cd[k]
                    for k in (
                        "purposes",
                        "recipient_types",
                        "data_categories",
                        "given_on",
                        "method",
                        "expires_on",
                    )
                }
                named = list(cd["named_recipients"])
            try:
                case = services.intake_register(
                    actor=user,
                    person=person,
                    person_values=person_form.cleaned_data if person_form is not None else None,
                    values=intake_form.cleaned_data,
                    consent_values=consent_values,
                    named_recipients=named,
                    submission_token=intake_form.cleaned_data.get("submission_token") or None,
                    second_case_reason=intake_form.cleaned_data.get("second_case_reason") or "",
                )
            except services.OpenCaseExists as exc:
                open_case = exc.case
                messages.error(request, exc.messages[0])
                if "second_case_reason" in intake_form.fields:
                    intake_form.add_error(
                        "second_case_reason", "別のケースとして受け付ける理由を入力してください。"
                    )
            except ValidationError as exc:
                apply_service_errors(intake_form, exc)
            else:
                draft.discard()
                messages.success(request, f"相談を受け付けました（ケース番号 {case.case_number}）。")
                return redirect("cases:case_detail", case_id=case.pk)
    f = IntakeForm
    steps = [
        ("intake-person", "本人", person is not None or _has_values(person_form), _errors(person_form)),
        (
            "intake-content",
            "相談の内容",
            intake_form.is_bound,
            intake_form.section_has_errors(f.CONTENT_FIELDS),
        ),
        (
            "intake-b-sheet",
            "B票（聞き取り）",
            bool(intake_form.is_bound and any(intake_form.data.get(f"intake-{n}") for n in f.B_SHEET_FIELDS)),
            intake_form.section_has_errors(f.B_SHEET_FIELDS),
        ),
        (
            "intake-screening",
            "スクリーニング",
            bool(intake_form.is_bound and intake_form.data.get("intake-screening_outcome")),
            intake_form.section_has_errors(f.SCREENING_FIELDS),
        ),
        (
            "intake-consent",
            "同意",
            consent_given or (person is not None and consent_in_force(person) is not None),
            (consent_given and consent_form.is_bound and bool(consent_form.errors))
            or intake_form.section_has_errors(f.APPLICATION_FIELDS),
        ),
    ]
    return render(
        request,
        "cases/intake_form.html",
        {
            "person": person,
            "person_form": person_form,
            "intake_form": intake_form,
            "consent_form": consent_form,
            "consent_given": consent_given,
            "notice": consent_form.notice,
            "candidates": candidates,
            "candidate_open_cases": _open_cases(request, [c.person for c in candidates]),
            "has_consent": person is not None and consent_in_force(person) is not None,
            "open_case": open_case,
            "ask_second_reason": "second_case_reason" in intake_form.fields,
            "steps": steps,
            "household": household_rows(person),
            "draft": draft,
        },
    )


def _has_values(form: Any) -> bool:
    return bool(form is not None and (form.is_bound or any(form.initial.values())))


def _errors(form: Any) -> bool:
    return bool(form is not None and form.is_bound and form.errors)


@permission_required(Permission.CASE_EDIT)
def intake_edit(request: HttpRequest, case_id: int) -> HttpResponse:
    """申込票・スクリーニングの訂正: the case's worker or a 主任相談支援員・センター長.

    A save on a version someone else changed meanwhile shows both versions (``includes/stale.html``)
    and keeps what was typed; the history below lists every earlier value.
    """
    user = actor(request)
    case = selectors.case_get_for_user(user=user, case_id=case_id, audit=request.method == "GET")
    require_intake_corrector(user, case, path=request.path)
    intake = case.intake
    fields = services.INTAKE_EDIT_FIELDS
    partners = PartnerAgency.objects.in_area_of(user.agency)
    initial = model_values(intake, fields) | {"version": intake.version}
    form = IntakeEditForm(
        form_data(request),
        prefix="intake",
        initial=initial,
        partner_queryset=partners,
        municipality=case.municipality_id,
    )
    stale = None
    stale_rows: list[DiffRow] = []
    if request.method == "POST" and form.is_valid():
        values = {k: form.cleaned_data.get(k) for k in fields}
        try:
            services.intake_update(
                actor=user, case=case, values=values, expected_version=form.data.get("intake-version")
            )
        except StaleVersionError as exc:
            stale = exc.current
            form.add_error(None, exc.messages[0])
            seen_version(form, "version", stale.version)
            stale_rows = diff_rows(
                model_values(stale, fields), values, services.intake_labels(), services.intake_shown
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "申込票を訂正しました。変更前の内容は変更履歴に残ります。")
            return redirect("cases:case_detail", case_id=case.pk)
    return render(
        request,
        "cases/intake_edit.html",
        {
            "case": case,
            "intake": intake,
            "form": form,
            "stale": stale,
            "stale_rows": stale_rows,
            "history": history_of(intake),
            "household": household_rows(case.person),
        },
    )
