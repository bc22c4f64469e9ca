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
]
