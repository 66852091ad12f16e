"""The verksamhetsplan: one per förbund and year, its sections, goals and årshjul."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from finsam.models import Federation


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Utkast")
    REVIEW = "review", _("På beredning")
    DECIDED = "decided", _("Fastställd")


class Plan(models.Model):
    federation = models.ForeignKey(
        Federation, on_delete=models.CASCADE, related_name="plans", verbose_name=_("förbund")
    )
    year = models.PositiveIntegerField(_("år"))
    title = models.CharField(_("titel"), max_length=300)
    reference = models.CharField(_("diarienummer"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    decided_on = models.DateField(_("fastställd den"), null=True, blank=True)
    # The board meeting set to adopt the plan (before it is decided).
    decision_meeting_on = models.DateField(_("beslutande styrelsemöte"), null=True, blank=True)

    class Meta:
        ordering = ["federation", "-year"]
        verbose_name = _("verksamhetsplan")
        verbose_name_plural = _("verksamhetsplaner")
        constraints = [
            models.UniqueConstraint(fields=["federation", "year"], name="plan_one_per_year"),
        ]

    def __str__(self) -> str:
        return self.title or f"Verksamhetsplan {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("budget_detail", args=[self.federation.slug, self.year])


class Section(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="sections")
    heading = models.CharField(_("rubrik"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    position = models.PositiveIntegerField(_("ordning"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("avsnitt")
        verbose_name_plural = _("avsnitt")

    def __str__(self) -> str:
        return self.heading


class GoalLevel(models.TextChoices):
    OVERALL = "overall", _("Övergripande mål")
    BOARD = "board", _("Styrelsens mål")
    OPERATIONS = "operations", _("Verksamhetens mål")
    INTERVENTIONS = "interventions", _("Mål för insatser")
    FINANCIAL = "financial", _("Finansiella mål")


class Goal(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    level = models.CharField(_("nivå"), max_length=20, choices=GoalLevel.choices)
    text = models.TextField(_("mål"))
    measures = models.JSONField(_("mäts genom att"), default=list, blank=True)
    position = models.PositiveIntegerField(_("ordning"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("mål")
        verbose_name_plural = _("mål")

    def __str__(self) -> str:
        return self.text[:60]


class MeetingKind(models.TextChoices):
    BOARD = "board", _("Styrelsemöte")
    PREPARATORY = "preparatory", _("Beredningsgruppsmöte")
    MEMBERS = "members", _("Medlemssamråd")
    PLANNING = "planning", _("Planeringsdag")
    COMMITTEE = "committee", _("Arbetsutskott")
    DEADLINE = "deadline", _("Sista dag")
    OTHER = "other", _("Övrigt")


class Meeting(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(_("slag"), max_length=20, choices=MeetingKind.choices)
    date = models.DateField(_("datum"))
    title = models.CharField(_("rubrik"), max_length=200, blank=True)
    note = models.TextField(_("anteckning"), blank=True)

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("möte")
        verbose_name_plural = _("möten")

    def __str__(self) -> str:
        return f"{self.date} {self.title}"
