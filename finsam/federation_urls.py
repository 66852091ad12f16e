from django.urls import path

from finsam import views

urlpatterns = [
    path("", views.federation_detail, name="federation_detail"),
]
