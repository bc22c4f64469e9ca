from django.urls import path

from . import views

app_name = "masters"

urlpatterns = [
    path("codes/", views.code_lists, name="code_lists"),
    path("codes/<int:municipality_id>/<str:list_key>/", views.code_list, name="code_list"),
    path("codes/<int:municipality_id>/<str:list_key>/<str:code>/", views.code_edit, name="code_edit"),
    path(
        "codes/<int:municipality_id>/<str:list_key>/<str:code>/<str:action>/",
        views.code_action,
        name="code_action",
    ),
]
