"""Pages for people without a login yet: an invitation's link and "Glömt lösenordet?"
(see finsam/urls.py); the förbund's people page is in finsam/federation_urls.py."""

from django.urls import path

from finsam.people import views

urlpatterns = [
    path("inbjudan/<int:invitation_id>/svara/", views.invitation_accept, name="invitation_accept"),
    path(
        "inbjudan/<int:invitation_id>/<str:token>/", views.invitation_open, name="invitation_open"
    ),
    path("logga-in/glomt/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "logga-in/glomt/skickat/", views.PasswordResetDoneView.as_view(), name="password_reset_done"
    ),
    path(
        "logga-in/nytt-losenord/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
]
