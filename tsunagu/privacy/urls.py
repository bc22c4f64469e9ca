from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("audit/", views.audit_search, name="audit_search"),
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/new/", views.notice_new, name="notice_new"),
    path("notices/<int:notice_id>/", views.notice_detail, name="notice_detail"),
    path("notices/<int:notice_id>/edit/", views.notice_edit, name="notice_edit"),
    path("notices/<int:notice_id>/publish/", views.notice_publish_view, name="notice_publish"),
    path("notices/<int:notice_id>/delete/", views.notice_delete_view, name="notice_delete"),
    path("notices/<int:notice_id>/print/", views.notice_print, name="notice_print"),
]
