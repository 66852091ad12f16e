"""The intervention register and an intervention's page, under f/<slug>/insatser/
(see finsam/urls.py); the forms' addresses are in interventions/urls.py."""

from django.urls import path

from budgets import intervention_views

urlpatterns = [
    path("", intervention_views.intervention_list, name="intervention_list"),
    path(
        "<int:intervention_id>/",
        intervention_views.intervention_detail_view,
        name="intervention_detail",
    ),
]
