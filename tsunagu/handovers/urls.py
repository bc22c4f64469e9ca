from django.urls import path

from . import views

app_name = "handovers"

urlpatterns = [
    path("", views.handover_list, name="handover_list"),
    path("new/", views.handover_new, name="handover_new"),
    path("<int:handover_id>/", views.handover_detail, name="handover_detail"),
    path("<int:handover_id>/workers/", views.handover_workers, name="handover_workers"),
    path("<int:handover_id>/execute/", views.handover_execute, name="handover_execute"),
    path("<int:handover_id>/cancel/", views.handover_cancel, name="handover_cancel"),
]
