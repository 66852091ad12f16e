"""Admin for interventions: for the site's staff; directors use the pages."""

from __future__ import annotations

from django.contrib import admin
from django.db import transaction

from interventions.freeze import ensure_intervention_not_frozen, intervention_frozen_year
from interventions.models import Intervention, InterventionGoal, InterventionOutcome


def _frozen(intervention: Intervention | None) -> bool:
    """Does the intervention (as stored) belong to fastställda plan years only?"""
    return (
        intervention is not None
        and intervention.pk is not None
        and intervention_frozen_year(intervention) is not None
    )


def _guard(intervention: Intervention) -> None:
    """The plan-year guard (interventions/freeze.py), on the intervention as stored and,
    when new, as given: what interventions/services.py does before a write."""
    stored = Intervention.objects.filter(pk=intervention.pk).first() if intervention.pk else None
    ensure_intervention_not_frozen(stored or intervention)


class InterventionGoalInline(admin.TabularInline):
    model = InterventionGoal
    extra = 0
    fields = ("position", "text", "comparison", "target", "unit")

    def has_add_permission(self, request, obj=None):
        return not _frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _frozen(obj) and super().has_delete_permission(request, obj)


@admin.register(Intervention)
class InterventionAdmin(admin.ModelAdmin):
    """An intervention of fastställda plan years only is read only here, as on its
    page; every save or delete goes through the same guard as the services."""

    list_display = (
        "name",
        "federation",
        "status",
        "individual_share_percent",
        "owner",
        "start",
        "end",
    )
    list_filter = ("status", "federation")
    search_fields = ("name", "short_name", "key", "federation__name")
    autocomplete_fields = ("owner",)
    filter_horizontal = ("members", "steering_members")
    inlines = [InterventionGoalInline]

    def has_change_permission(self, request, obj=None):
        return not _frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _frozen(obj) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        _guard(obj)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        _guard(form.instance)
        super().save_related(request, form, formsets, change)

    def delete_model(self, request, obj):
        _guard(obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for intervention in queryset.order_by("pk"):
                _guard(intervention)
            super().delete_queryset(request, queryset)


@admin.register(InterventionOutcome)
class InterventionOutcomeAdmin(admin.ModelAdmin):
    list_display = ("goal", "year", "value", "updated_by", "updated_at")
    list_filter = ("year", "goal__intervention__federation")
    search_fields = ("goal__text", "goal__intervention__name")
    raw_id_fields = ("goal",)
