from django.urls import path

from . import views

app_name = "planning"

urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("new/", views.plan_new, name="plan_new"),
    path("<int:plan_id>/", views.plan_detail, name="plan_detail"),
    path("<int:plan_id>/edit/", views.plan_edit, name="plan_edit"),
    path("<int:plan_id>/evaluation/", views.plan_evaluation, name="plan_evaluation"),
    path("<int:plan_id>/evaluation.pdf", views.plan_report_pdf, name="plan_report_pdf"),
    path("<int:plan_id>/charts/targets.svg", views.chart_targets, name="chart_targets"),
    path("<int:plan_id>/charts/monthly/<slug:code>.svg", views.chart_monthly, name="chart_monthly"),
]
