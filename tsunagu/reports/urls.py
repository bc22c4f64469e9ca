from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("case-list/", views.case_list, name="case_list"),
    path("case-list.xlsx", views.case_list_export, {"fmt": "xlsx"}, name="case_list_xlsx"),
    path("case-list.csv", views.case_list_export, {"fmt": "csv"}, name="case_list_csv"),
    path("case-list/layout/<str:code>/", views.layout_edit, name="layout_edit"),
    path("cases/<int:case_id>/forms/<slug:name>.pdf", views.print_form, name="print_form"),
]
