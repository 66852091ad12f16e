"""The pages of one förbund, under f/<slug>/ (see finsam/urls.py)."""

from django.urls import path

from finsam import views

urlpatterns = [
    path("", views.federation_detail, name="federation_detail"),
    path("redigera/", views.federation_edit, name="federation_edit"),
    path("medlemmar/ny/", views.member_create, name="member_create"),
    path("medlemmar/<int:member_id>/redigera/", views.member_edit, name="member_edit"),
    path("medlemmar/<int:member_id>/ta-bort/", views.member_delete, name="member_delete"),
    path("styrelse/ny/", views.seat_create, name="seat_create"),
    path("styrelse/<int:seat_id>/redigera/", views.seat_edit, name="seat_edit"),
    path("styrelse/<int:seat_id>/ta-bort/", views.seat_delete, name="seat_delete"),
]
