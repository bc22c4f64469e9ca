from django.urls import path

from . import views

app_name = "personal_data"

urlpatterns = [
    path("", views.home, name="home"),
    path("retention/rules/", views.rule_list, name="rule_list"),
    path("retention/reviews/", views.review_list, name="review_list"),
    path("retention/reviews/run/", views.review_run, name="review_run"),
    path("retention/reviews/<int:review_id>/", views.review_detail, name="review_detail"),
    path("retention/reviews/<int:review_id>/approve/", views.review_approve, name="review_approve"),
    path(
        "retention/reviews/<int:review_id>/items/<int:item_id>/exclude/",
        views.review_exclude,
        name="review_exclude",
    ),
    path("requests/", views.request_list, name="request_list"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:request_id>/", views.request_detail, name="request_detail"),
    path("requests/<int:request_id>/file.pdf", views.request_pdf, name="request_pdf"),
    path("requests/<int:request_id>/file.json", views.request_json, name="request_json"),
]
