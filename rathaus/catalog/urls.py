from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("services/", views.all_services, name="all"),
    path("services/<slug:slug>/", views.service_detail, name="service"),
    path("categories/<slug:slug>/", views.category, name="category"),
    path("life-situations/<slug:slug>/", views.life_situation, name="life_situation"),
]
