"""The pages of one förbund, under f/<slug>/ (see finsam/urls.py); the förbund page
itself is in documents/urls.py."""

from django.urls import path

from finsam import views
from finsam.people import views as people_views

urlpatterns = [
    path("redigera/", views.federation_edit, name="federation_edit"),
    path("medlemmar/ny/", views.member_create, name="member_create"),
    path("medlemmar/<int:member_id>/redigera/", views.member_edit, name="member_edit"),
    path("medlemmar/<int:member_id>/ta-bort/", views.member_delete, name="member_delete"),
    path("styrelse/ny/", views.seat_create, name="seat_create"),
    path("styrelse/<int:seat_id>/redigera/", views.seat_edit, name="seat_edit"),
    path("styrelse/<int:seat_id>/ta-bort/", views.seat_delete, name="seat_delete"),
    path("personer/", people_views.people, name="people"),
    path("personer/<int:membership_id>/roll/", people_views.person_role, name="person_role"),
    path("personer/<int:membership_id>/ta-bort/", people_views.person_remove, name="person_remove"),
    path(
        "personer/inbjudningar/<int:invitation_id>/skicka-igen/",
        people_views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "personer/inbjudningar/<int:invitation_id>/aterkalla/",
        people_views.invitation_withdraw,
        name="invitation_withdraw",
    ),
]
