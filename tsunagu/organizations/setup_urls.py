"""初期設定の画面 (/setup/): 都道府県・自治体・機関・職員アカウント (the システム管理者)."""

from django.urls import path

from . import views

app_name = "setup"
urlpatterns = [
    path("", views.setup_home, name="home"),
    path("prefectures/", views.prefecture_list, name="prefecture_list"),
    path("municipalities/", views.municipality_list, name="municipality_list"),
    path("municipalities/new/", views.municipality_new, name="municipality_new"),
    path("municipalities/<int:municipality_id>/", views.municipality_edit, name="municipality_edit"),
    path("agencies/", views.agency_list, name="agency_list"),
    path("agencies/new/", views.agency_new, name="agency_new"),
    path("agencies/<int:agency_id>/", views.agency_edit, name="agency_edit"),
    path("staff/", views.setup_staff_list, name="staff_list"),
]
