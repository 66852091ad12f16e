"""Admin for the verksamhetsplaner: a plan with its sections, goals and meetings.
For the site's staff; directors edit on the plan page."""

from __future__ import annotations

from django.contrib import admin

from plans.models import Goal, Meeting, Plan, Section


class SectionInline(admin.StackedInline):
    model = Section
    extra = 0
    fields = ("position", "heading", "kind", "body")


class GoalInline(admin.TabularInline):
    model = Goal
    extra = 0
    fields = ("position", "level", "text", "measures")


class MeetingInline(admin.TabularInline):
    model = Meeting
    extra = 0
    fields = ("date", "time", "kind", "title", "place", "note")


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("federation", "year", "title", "status", "decided_on", "updated_at")
    list_filter = ("status", "year")
    search_fields = ("title", "federation__name", "reference")
    readonly_fields = ("updated_at", "updated_by")
    list_select_related = ("federation",)
    inlines = (SectionInline, GoalInline, MeetingInline)
