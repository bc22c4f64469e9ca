from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.import_list, name="import_list"),
    path("templates/<str:kind>.xlsx", views.template_download, {"fmt": "xlsx"}, name="template_xlsx"),
    path("templates/<str:kind>.csv", views.template_download, {"fmt": "csv"}, name="template_csv"),
    path("<int:job_id>/", views.job_detail, name="job_detail"),
    path("<int:job_id>/progress.json", views.job_progress, name="job_progress"),
    path("<int:job_id>/mapping/", views.job_mapping, name="job_mapping"),
    path("<int:job_id>/execute/", views.job_execute, name="job_execute"),
    path("<int:job_id>/report.csv", views.job_report_csv, name="job_report_csv"),
]
