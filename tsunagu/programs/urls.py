from django.urls import path

from . import views

app_name = "programs"
urlpatterns = [
    path("housing-benefit/assess/", views.housing_assess, name="housing_assess"),
    path("housing-benefit/", views.application_list, name="housing_application_list"),
    path("housing-benefit/new/", views.application_new, name="housing_application_new"),
    path(
        "housing-benefit/<int:application_id>/", views.application_detail, name="housing_application_detail"
    ),
    path(
        "housing-benefit/<int:application_id>/income-recheck/",
        views.housing_income_recheck,
        name="housing_income_recheck",
    ),
    path(
        "housing-benefit/<int:application_id>/extensions/<int:extension_id>/decide/",
        views.extension_decide,
        name="housing_extension_decide",
    ),
    path(
        "housing-benefit/<int:application_id>/<slug:action>/",
        views.application_action,
        name="housing_application_action",
    ),
    path("housing-benefit/rules/", views.rule_tables, name="housing_rules"),
    path("housing-benefit/rules/new/", views.rule_new, name="housing_rule_new"),
    path("housing-benefit/rules/table/new/", views.rule_table_new, name="housing_rule_table_new"),
    path(
        "housing-benefit/rules/table/<int:draft_id>/",
        views.rule_table_review,
        name="housing_rule_table_review",
    ),
    path("enrolments/", views.enrolment_list, name="enrolment_list"),
    path("enrolments/new/", views.enrolment_new, name="enrolment_new"),
    path("enrolments/providers/", views.provider_list, name="provider_list"),
    path("enrolments/training-decision/<int:case_id>/", views.training_decision, name="training_decision"),
    path("enrolments/<int:enrolment_id>/", views.enrolment_detail, name="enrolment_detail"),
    path("enrolments/<int:enrolment_id>/<slug:action>/", views.enrolment_action, name="enrolment_action"),
    path("budget/<int:case_id>/", views.household_budget, name="household_budget"),
]
