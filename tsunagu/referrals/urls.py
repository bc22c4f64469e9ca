from django.urls import path

from . import views

app_name = "referrals"
urlpatterns = [
    path("", views.referral_list, name="referral_list"),
    path("new/", views.referral_new, name="referral_new"),
    path("<int:referral_id>/", views.referral_detail, name="referral_detail"),
    path("<int:referral_id>/status/", views.referral_status, name="referral_status"),
    path("<int:referral_id>/outcome/", views.referral_outcome, name="referral_outcome"),
    path("<int:referral_id>/close-case/", views.referral_close_case, name="referral_close_case"),
    path(
        "<int:referral_id>/attachments/<int:attachment_id>/",
        views.referral_attachment,
        name="referral_attachment",
    ),
    path("partners/", views.partner_list, name="partner_list"),
    path("partners/new/", views.partner_new, name="partner_new"),
    path("partners/<int:partner_id>/", views.partner_detail, name="partner_detail"),
    path("partners/<int:partner_id>/edit/", views.partner_edit, name="partner_edit"),
    path("partners/<int:partner_id>/contacts/", views.partner_contact_add, name="partner_contact_add"),
    path(
        "partners/<int:partner_id>/contacts/<int:contact_id>/remove/",
        views.partner_contact_remove,
        name="partner_contact_remove",
    ),
    path("disclosures/", views.disclosure_list, name="disclosure_list"),
    path("disclosures/new/", views.disclosure_new, name="disclosure_new"),
    path("disclosures/<int:disclosure_id>/", views.disclosure_detail, name="disclosure_detail"),
    path("persons/<int:person_id>/disclosures/", views.person_disclosures, name="person_disclosures"),
    path(
        "persons/<int:person_id>/disclosures.pdf", views.person_disclosures_pdf, name="person_disclosures_pdf"
    ),
    path("exceptions/", views.exception_list, name="exception_list"),
    path("exceptions/new/", views.exception_new, name="exception_new"),
    path("exceptions/<int:exception_id>/", views.exception_detail, name="exception_detail"),
    path("consents/", views.consent_operations, name="consent_operations"),
    path("exports/", views.deidentified_export, name="export"),
]
