from django.urls import path

from . import views

app_name = "meetings"
urlpatterns = [
    path("", views.meeting_list, name="meeting_list"),
    path("new/", views.meeting_new, name="meeting_new"),
    path("<int:meeting_id>/", views.meeting_detail, name="meeting_detail"),
    path("<int:meeting_id>/edit/", views.meeting_edit, name="meeting_edit"),
    path("<int:meeting_id>/agenda/", views.agenda_add, name="agenda_add"),
    path("<int:meeting_id>/agenda/<int:item_id>/outcome/", views.agenda_outcome, name="agenda_outcome"),
    path("decisions/pending/", views.decisions_pending, name="decisions_pending"),
    path("decisions/cases/<int:case_id>/", views.decision_new, name="decision_new"),
    path("councils/", views.council_list, name="council_list"),
    path("councils/<int:council_id>/", views.council_detail, name="council_detail"),
    path(
        "councils/<int:council_id>/members/<int:member_id>/leave/",
        views.council_member_leave,
        name="council_member_leave",
    ),
]
