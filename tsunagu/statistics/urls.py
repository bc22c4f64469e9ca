from django.urls import path

from . import views

app_name = "statistics"

urlpatterns = [
    path("", views.monthly, name="monthly"),
    path("survey.xlsx", views.survey_export, {"fmt": "xlsx"}, name="survey_xlsx"),
    path("survey.csv", views.survey_export, {"fmt": "csv"}, name="survey_csv"),
    path("profile/", views.profile, name="profile"),
    path("profile.xlsx", views.profile_export, {"fmt": "xlsx"}, name="profile_xlsx"),
    path("profile.csv", views.profile_export, {"fmt": "csv"}, name="profile_csv"),
    path("cases/", views.drilldown, name="drilldown"),
    path("runs/", views.runs, name="runs"),
    path("runs/<int:run_id>/", views.run_detail, name="run_detail"),
    path("runs/<int:run_id>/retry/", views.run_retry, name="run_retry"),
    path("runs/<int:run_id>/export.xlsx", views.run_export, {"fmt": "xlsx"}, name="run_xlsx"),
    path("runs/<int:run_id>/export.csv", views.run_export, {"fmt": "csv"}, name="run_csv"),
]
