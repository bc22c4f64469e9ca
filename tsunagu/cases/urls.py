from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/<int:case_id>/", views.case_detail, name="case_detail"),
    path("cases/<int:case_id>/transition/", views.case_transition, name="case_transition"),
    path("cases/<int:case_id>/application/", views.case_record_application, name="case_application"),
    path("intake/", views.intake_start, name="intake_start"),
    path("intake/new/", views.intake_new, name="intake_new"),
    path("persons/<int:person_id>/", views.person_detail, name="person_detail"),
    path("persons/<int:person_id>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:person_id>/household/", views.person_household, name="person_household"),
    path("persons/<int:person_id>/merge/", views.person_merge, name="person_merge"),
    path(
        "persons/<int:person_id>/merge/<int:merge_id>/undo/",
        views.person_merge_undo,
        name="person_merge_undo",
    ),
    path("persons/<int:person_id>/consents/new/", views.consent_new, name="consent_new"),
    path(
        "persons/<int:person_id>/consents/<int:consent_id>/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
]
