"""Writes for the programmes: 住居確保給付金, enrolments in the other statutory programmes, 家計改善支援.

Every service takes a keyword-only ``actor``, checks the permission and the tenancy, validates with
Japanese messages per field, writes in one transaction with its audit row, and turns a database
refusal (constraint, trigger) into a ``ValidationError`` — nothing is half-saved.

Who does what:
- centre staff (``CASE_EDIT``, own agency): application, 求職活動状況報告, extension application;
- the 自治体担当者 of the application's municipality (``DECISION_RECORD``): decision, payments,
  extension decision, 中止, end; rule edits need ``RULES_EDIT`` and the officer's own municipality.

The package is split by sub-domain (``housing_rules``, ``housing``, ``housing_period``, ``enrolments``,
``budget``; ``common`` holds the shared checks); this module re-exports every service so that ``services.<name>`` keeps working.
"""

from .budget import (
    budget_plan_add,
    budget_sheet_save,
    debt_add,
    debt_status_update,
    debts_add_from_assessment,
    loan_link_add,
)
from .enrolments import (
    EP_STANDARD_MONTHS,
    PLAN_PROGRAM_FOR,
    SHELTER_MAXIMUM_MONTHS,
    SHELTER_STANDARD_MONTHS,
    certified_provider_add,
    enrolment_create,
    enrolment_end_with_handback,
    enrolment_extend,
    enrolment_limits,
    period_last_day,
    progress_report_add,
    training_type_decide,
)
from .housing import (
    APPLICATION_INPUT_FIELDS,
    EXPLAINED_FIELDS,
    housing_application_create,
    housing_decision_record,
    housing_payment_record,
)
from .housing_period import (
    extension_requirements_for,
    housing_benefit_end,
    housing_benefit_stop,
    housing_extension_apply,
    housing_extension_decide,
    job_search_report_record,
)
from .housing_rules import (
    housing_rule_add,
    housing_rule_table_approve,
    housing_rule_table_propose,
    housing_rule_table_review,
    housing_rule_table_withdraw,
    job_search_requirement_add,
)

__all__ = [
    "APPLICATION_INPUT_FIELDS",
    "EP_STANDARD_MONTHS",
    "EXPLAINED_FIELDS",
    "PLAN_PROGRAM_FOR",
    "SHELTER_MAXIMUM_MONTHS",
    "SHELTER_STANDARD_MONTHS",
    "budget_plan_add",
    "budget_sheet_save",
    "certified_provider_add",
    "debt_add",
    "debt_status_update",
    "debts_add_from_assessment",
    "enrolment_create",
    "enrolment_end_with_handback",
    "enrolment_extend",
    "enrolment_limits",
    "extension_requirements_for",
    "housing_application_create",
    "housing_benefit_end",
    "housing_benefit_stop",
    "housing_decision_record",
    "housing_extension_apply",
    "housing_extension_decide",
    "housing_payment_record",
    "housing_rule_add",
    "housing_rule_table_approve",
    "housing_rule_table_propose",
    "housing_rule_table_review",
    "housing_rule_table_withdraw",
    "job_search_report_record",
    "job_search_requirement_add",
    "loan_link_add",
    "period_last_day",
    "progress_report_add",
    "training_type_decide",
]
