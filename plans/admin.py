"""Admin for the verksamhetsplaner: a plan with its sections, goals and meetings.
For the site's staff; directors edit on the plan page."""

from __future__ import annotations

from django.contrib import admin
from django.db import transaction

from finsam.admin import MemberInline, MembershipInline
from finsam.models import Federation
from plans.freeze import ensure_plan_not_frozen
from plans.models import Comment, Goal, Meeting, Plan, PlanStatus, PlanTransition, Section, Snapshot


@admin.register(Federation)
class FederationAdmin(admin.ModelAdmin):
    """A förbund with its members and memberships (finsam/admin.py); here, in plans,
    since a förbund with a fastställd plan is not deleted."""

    list_display = ("name", "slug", "org_number", "municipal_split")
    search_fields = ("name", "slug", "org_number")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MemberInline, MembershipInline]

    def has_delete_permission(self, request, obj=None):
        # Deleting a förbund deletes its plans: not one with a fastställd plan (a
        # public record; plans/freeze.py).
        if obj is not None and obj.plans.filter(status=PlanStatus.DECIDED).exists():
            return False
        return super().has_delete_permission(request, obj)


def _decided(plan: Plan | None) -> bool:
    return plan is not None and plan.pk is not None and plan.is_decided


class PlanPartInline(admin.options.InlineModelAdmin):
    """A fastställd plan's sections, goals and meetings are shown, not changed."""

    extra = 0

    def has_add_permission(self, request, obj=None):
        return not _decided(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _decided(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _decided(obj) and super().has_delete_permission(request, obj)


class SectionInline(PlanPartInline, admin.StackedInline):
    model = Section
    fields = ("position", "heading", "kind", "body")


class GoalInline(PlanPartInline, admin.TabularInline):
    model = Goal
    fields = ("position", "level", "text", "measures")


class MeetingInline(PlanPartInline, admin.TabularInline):
    model = Meeting
    fields = ("date", "time", "kind", "title", "place", "note")


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    """A fastställd plan is read only here; every save or delete of a plan (and its
    sections, goals and meetings) goes through the plan-year guard first, so one
    racing an adoption waits for it and is refused (plans/freeze.py). The status and
    the decision change only through the workflow, which records each step."""

    list_display = ("federation", "year", "title", "status", "decided_on", "updated_at")
    list_filter = ("status", "year")
    search_fields = ("title", "federation__name", "reference")
    readonly_fields = (
        "status",
        "decided_on",
        "revision",
        "decision_meeting",
        "published_at",
        "published_by",
        "updated_at",
        "updated_by",
    )
    list_select_related = ("federation",)
    inlines = (SectionInline, GoalInline, MeetingInline)

    def has_change_permission(self, request, obj=None):
        return not _decided(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _decided(obj) and super().has_delete_permission(request, obj)

    @staticmethod
    def _guard(plan: Plan) -> None:
        """The guard on the plan year as stored (and as given, for a new plan)."""
        stored = Plan.objects.filter(pk=plan.pk).values_list("federation_id", "year").first()
        for federation_id, year in sorted({stored, (plan.federation_id, plan.year)} - {None}):
            ensure_plan_not_frozen(federation_id, year)

    def save_model(self, request, obj, form, change):
        self._guard(obj)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        self._guard(form.instance)
        super().save_formset(request, form, formset, change)

    def delete_model(self, request, obj):
        self._guard(obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for plan in queryset.order_by("pk"):
                self._guard(plan)
            super().delete_queryset(request, queryset)


class ReadOnlyAdmin(admin.ModelAdmin):
    """The workflow's records are written by the services only: the admin shows them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PlanTransition)
class PlanTransitionAdmin(ReadOnlyAdmin):
    list_display = ("plan", "from_status", "to_status", "at", "by_name")
    list_select_related = ("plan__federation",)


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    list_display = ("plan", "revision", "decided_on", "reference", "pdf_sha256", "bundle_sha256")
    list_select_related = ("plan__federation",)
    exclude = ("pdf", "html", "bundle", "report")


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = (
        "plan",
        "target_label",
        "author_name",
        "created_at",
        "resolved_at",
        "withdrawn_at",
    )
    list_select_related = ("plan__federation",)
    search_fields = ("body", "quote", "author_name")
