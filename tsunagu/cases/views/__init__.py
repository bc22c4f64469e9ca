"""Caseworker screens, by sub-domain: the case list and page (``cases``), 相談受付 (``intake``),
相談者 (``persons``), 同意 (``consents``) and the support process (``process``: assessment, plan,
records, evaluation, 就労・増収). ``cases/urls.py`` names every view from here."""

from .cases import (
    case_assign,
    case_detail,
    case_list,
    case_record_application,
    case_transition,
    monitoring_overdue,
)
from .consents import consent_new, consent_withdraw
from .intake import intake_edit, intake_new, intake_start
from .persons import person_detail, person_edit, person_household, person_merge, person_merge_undo
from .process import (
    assessment_detail,
    assessment_list,
    assessment_new,
    assessment_share,
    draft_discard,
    draft_save,
    employment_outcome_new,
    evaluation_detail,
    evaluation_new,
    plan_detail,
    plan_edit,
    plan_new,
    record_edit,
    record_new,
)

__all__ = [
    "assessment_detail",
    "assessment_list",
    "assessment_new",
    "assessment_share",
    "case_assign",
    "case_detail",
    "case_list",
    "case_record_application",
    "case_transition",
    "consent_new",
    "consent_withdraw",
    "draft_discard",
    "draft_save",
    "employment_outcome_new",
    "evaluation_detail",
    "evaluation_new",
    "intake_edit",
    "intake_new",
    "intake_start",
    "monitoring_overdue",
    "person_detail",
    "person_edit",
    "person_household",
    "person_merge",
    "person_merge_undo",
    "plan_detail",
    "plan_edit",
    "plan_new",
    "record_edit",
    "record_new",
]
