from django.urls import path

from . import views

app_name = "organizations"
urlpatterns = [
    path("", views.staff_list, name="staff_list"),
    path("new/", views.staff_new, name="staff_new"),
    path("<int:staff_id>/roles/", views.staff_roles, name="staff_roles"),
    path("<int:staff_id>/unlock/", views.staff_unlock, name="staff_unlock"),
    path("<int:staff_id>/reset-credentials/", views.staff_reset_credentials, name="staff_reset_credentials"),
    path("<int:staff_id>/disable/", views.staff_disable, name="staff_disable"),
    path("<int:staff_id>/enable/", views.staff_enable, name="staff_enable"),
]
