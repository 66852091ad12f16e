from django.urls import path

from finsam.twofactor import views

urlpatterns = [
    path("", views.overview, name="twofactor_overview"),
    path("kod/", views.verify, name="twofactor_verify"),
    path("aktivera/", views.setup, name="twofactor_setup"),
    path("reservkoder/", views.backup_codes, name="twofactor_backup_codes"),
    path("reservkoder/nya/", views.backup_codes_new, name="twofactor_backup_codes_new"),
    path("stang-av/", views.disable, name="twofactor_disable"),
]
