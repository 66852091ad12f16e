"""The site staff's pages, under personal/ (see finsam/urls.py)."""

from django.urls import path

from finsam.staff import views

urlpatterns = [
    path("", views.staff_federations, name="staff_federations"),
    path("nytt-forbund/", views.staff_federation_new, name="staff_federation_new"),
    path("f/<slug:slug>/", views.staff_federation, name="staff_federation"),
    path(
        "f/<slug:slug>/inbjudningar/<int:invitation_id>/skicka-igen/",
        views.staff_invitation_resend,
        name="staff_invitation_resend",
    ),
    path(
        "f/<slug:slug>/inbjudningar/<int:invitation_id>/aterkalla/",
        views.staff_invitation_withdraw,
        name="staff_invitation_withdraw",
    ),
]
