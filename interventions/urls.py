"""The intervention forms, under f/<slug>/insatser/ (see finsam/urls.py); the
register and an intervention's page are in budgets/intervention_urls.py."""

from django.urls import path

from interventions import period_views, views

urlpatterns = [
    path("ny/", views.intervention_create, name="intervention_create"),
    path("<int:intervention_id>/redigera/", views.intervention_edit, name="intervention_edit"),
    path("<int:intervention_id>/ta-bort/", views.intervention_delete, name="intervention_delete"),
    path(
        "<int:intervention_id>/utfall/<int:year>/",
        views.intervention_outcomes_edit,
        name="intervention_outcomes_edit",
    ),
    path(
        "<int:intervention_id>/utfall/<int:outcome_id>/ta-bort/",
        views.outcome_delete,
        name="outcome_delete",
    ),
    path(
        "<int:intervention_id>/uppfoljning/<int:year>/<int:month>/",
        period_views.intervention_period_edit,
        name="intervention_period_edit",
    ),
]
