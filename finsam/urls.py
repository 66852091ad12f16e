from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from finsam import views

urlpatterns = [
    # The start page, the förbund page and the plan document's pages (documents/urls.py).
    path("", include("documents.urls")),
    path(
        "logga-in/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logga-ut/", views.LogoutView.as_view(), name="logout"),
    path("", include("finsam.people.urls")),
    path("personal/", include("finsam.staff.urls")),
    path("tvastegsverifiering/", include("finsam.twofactor.urls")),
    path("sessionen/", views.session_status, name="session_status"),
    path("admin/", admin.site.urls),
    path("f/<slug:slug>/", include("finsam.federation_urls")),
    path("f/<slug:slug>/budget/", include("budgets.urls")),
    path("f/<slug:slug>/insatser/", include("budgets.intervention_urls")),
    path("f/<slug:slug>/insatser/", include("interventions.urls")),
    path("f/<slug:slug>/plan/", include("plans.urls")),
]
