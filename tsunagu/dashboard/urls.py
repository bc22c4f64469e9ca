from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/todo/", views.todo_list, name="todo"),
    path("dashboard/<slug:key>/", views.panel, name="panel"),
]
