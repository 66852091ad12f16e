"""Admin for interventions: for the site's staff; directors use the pages."""

from __future__ import annotations

from django.contrib import admin

from interventions.models import Intervention, InterventionGoal, InterventionOutcome


class InterventionGoalInline(admin.TabularInline):
    model = InterventionGoal
    extra = 0
    fields = ("position", "text", "comparison", "target", "unit")


@admin.register(Intervention)
class InterventionAdmin(admin.ModelAdmin):
    list_display = ("name", "federation", "status", "individual_share_percent", "owner", "start", "end")
    list_filter = ("status", "federation")
    search_fields = ("name", "short_name", "key", "federation__name")
    autocomplete_fields = ("owner",)
    filter_horizontal = ("members", "steering_members")
    inlines = [InterventionGoalInline]


@admin.register(InterventionOutcome)
class InterventionOutcomeAdmin(admin.ModelAdmin):
    list_display = ("goal", "year", "value", "updated_by", "updated_at")
    list_filter = ("year", "goal__intervention__federation")
    search_fields = ("goal__text", "goal__intervention__name")
    raw_id_fields = ("goal",)
