from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/<int:case_id>/", views.case_detail, name="case_detail"),
    path("cases/<int:case_id>/transition/", views.case_transition, name="case_transition"),
    path("cases/<int:case_id>/application/", views.case_record_application, name="case_application"),
    path("cases/<int:case_id>/assign/", views.case_assign, name="case_assign"),
    path("cases/monitoring/overdue/", views.monitoring_overdue, name="monitoring_overdue"),
    path("cases/<int:case_id>/assessments/", views.assessment_list, name="assessment_list"),
    path("cases/<int:case_id>/assessments/new/", views.assessment_new, name="assessment_new"),
    path(
        "cases/<int:case_id>/assessments/<int:assessment_id>/",
        views.assessment_detail,
        name="assessment_detail",
    ),
    path(
        "cases/<int:case_id>/assessments/<int:assessment_id>/share/",
        views.assessment_share,
        name="assessment_share",
    ),
    path("cases/<int:case_id>/plans/new/", views.plan_new, name="plan_new"),
    path("cases/<int:case_id>/plans/<int:plan_id>/", views.plan_detail, name="plan_detail"),
    path("cases/<int:case_id>/plans/<int:plan_id>/edit/", views.plan_edit, name="plan_edit"),
    path("cases/<int:case_id>/records/new/", views.record_new, name="record_new"),
    path("cases/<int:case_id>/records/<int:record_id>/edit/", views.record_edit, name="record_edit"),
    path("cases/<int:case_id>/evaluations/new/", views.evaluation_new, name="evaluation_new"),
    path("cases/<int:case_id>/outcomes/new/", views.employment_outcome_new, name="employment_outcome_new"),
    path(
        "cases/<int:case_id>/evaluations/<int:evaluation_id>/",
        views.evaluation_detail,
        name="evaluation_detail",
    ),
    path("drafts/", views.draft_save, name="draft_save"),
    path("drafts/discard/", views.draft_discard, name="draft_discard"),
    path("intake/", views.intake_start, name="intake_start"),
    path("intake/new/", views.intake_new, name="intake_new"),
    path("cases/<int:case_id>/intake/edit/", views.intake_edit, name="intake_edit"),
    path("persons/<int:person_id>/", views.person_detail, name="person_detail"),
    path("persons/<int:person_id>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:person_id>/household/", views.person_household, name="person_household"),
    path("persons/<int:person_id>/merge/", views.person_merge, name="person_merge"),
    path(
        "persons/<int:person_id>/merge/<int:merge_id>/undo/",
        views.person_merge_undo,
        name="person_merge_undo",
    ),
    path("persons/<int:person_id>/consents/new/", views.consent_new, name="consent_new"),
    path(
        "persons/<int:person_id>/consents/<int:consent_id>/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
]
