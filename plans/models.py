"""The verksamhetsplan: one per förbund and year, its sections, goals and årshjul."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from finsam.models import Federation
from plans.rules import meeting_date_error


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
    vision = models.TextField(_("vision"), blank=True)
    updated_at = models.DateTimeField(_("senast ändrad"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("senast ändrad av"),
    )
    # The board meeting (in the årshjul) that adopted the plan.
    decision_meeting = models.ForeignKey(
        "plans.Meeting",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("beslutande styrelsemöte"),
    )
    # 1 for the plan as first adopted; each "ny revision" after adoption adds one.
    revision = models.PositiveIntegerField(_("revision"), default=1)
    # A public document once published (decided plans only; see plans/workflow.py).
    published_at = models.DateTimeField(_("publicerad"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("publicerad av"),
    )
    # Roll-forward: the plan this one was made from, and what the director should
    # look over before sending it to review.
    carried_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carried_to",
        verbose_name=_("skapad från"),
    )
    review_items = models.JSONField(_("att se över"), default=list, blank=True)

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
        return reverse("plan_detail", args=[self.federation.slug, self.year])

    @property
    def is_decided(self) -> bool:
        return self.status == PlanStatus.DECIDED

    @property
    def is_published(self) -> bool:
        return self.is_decided and self.published_at is not None

    def get_public_url(self) -> str:
        return reverse("plan_public", args=[self.federation.slug, self.year])


class SectionKind(models.TextChoices):
    """A text section is typed; the others are generated from the plan's data
    (an optional typed introduction comes first)."""

    TEXT = "text", _("Text")
    GOALS = "goals", _("Mål (från planens mål)")
    INTERVENTIONS = "interventions", _("Insatser (från insatserna)")
    ANNUAL_CYCLE = "annual_cycle", _("Årshjul (från mötena)")
    BUDGET = "budget", _("Budget (från budgeten)")


GENERATED_FROM = {
    SectionKind.GOALS: _("planens mål"),
    SectionKind.INTERVENTIONS: _("årets insatser"),
    SectionKind.ANNUAL_CYCLE: _("planens möten"),
    SectionKind.BUDGET: _("budgeten och dess kontroller"),
}


class Section(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="sections")
    heading = models.CharField(_("rubrik"), max_length=200)
    kind = models.CharField(
        _("slag"), max_length=20, choices=SectionKind.choices, default=SectionKind.TEXT
    )
    body = models.TextField(_("text"), blank=True)
    position = models.PositiveIntegerField(_("ordning"), default=0)
    # Raised by every save of the text: an editor opened at version N may save only
    # while it is still N (plans/services.py: section_update), so no save is lost.
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    # Every save is kept with who and when (plans/history.py shows and compares them).
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("avsnitt")
        verbose_name_plural = _("avsnitt")

    def __str__(self) -> str:
        return self.heading

    @property
    def is_generated(self) -> bool:
        return self.kind != SectionKind.TEXT

    @property
    def generated_from(self) -> str:
        """What a generated chapter is made from, for the editor's hint."""
        return GENERATED_FROM.get(self.kind, "")


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
    history = HistoricalRecords()

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
    time = models.TimeField(_("tid"), null=True, blank=True)
    place = models.CharField(_("plats"), max_length=200, blank=True)
    title = models.CharField(_("rubrik"), max_length=200, blank=True)
    note = models.TextField(_("anteckning"), blank=True)
    # The meeting's calendar UID (plans/calendar.py): made once, kept through edits,
    # bundle export and import, so a subscribed calendar sees the same event.
    uid = models.UUIDField(_("kalender-UID"), default=uuid.uuid4, unique=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["date", models.F("time").asc(nulls_first=True), "id"]
        verbose_name = _("möte")
        verbose_name_plural = _("möten")

    def __str__(self) -> str:
        return f"{self.date} {self.title or self.get_kind_display()}"

    @property
    def display_title(self) -> str:
        return self.title or str(self.get_kind_display())

    def clean(self) -> None:
        if self.plan_id is not None and self.date is not None:
            error = meeting_date_error(year=self.plan.year, day=self.date)
            if error:
                raise ValidationError({"date": error})


# --- the workflow: transitions, the adopted snapshot, comments ----------------------


class PlanTransition(models.Model):
    """One step of the plan's workflow: who moved it from which status to which,
    when, and with what (the decision's date, meeting and reference; warnings)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(_("från"), max_length=20, choices=PlanStatus.choices)
    to_status = models.CharField(_("till"), max_length=20, choices=PlanStatus.choices)
    at = models.DateTimeField(_("tidpunkt"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("av"),
    )
    by_name = models.CharField(_("av (namn)"), max_length=200, blank=True)
    note = models.TextField(_("kommentar"), blank=True)
    details = models.JSONField(_("uppgifter"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("statusändring")
        verbose_name_plural = _("statusändringar")

    def __str__(self) -> str:
        return f"{self.plan}: {self.get_from_status_display()} → {self.get_to_status_display()}"

    @property
    def label(self) -> str:
        return TRANSITION_LABELS.get(
            (self.from_status, self.to_status), f"{self.get_to_status_display()}"
        )


TRANSITION_LABELS = {
    (PlanStatus.DRAFT, PlanStatus.REVIEW): _("Skickad på beredning"),
    (PlanStatus.REVIEW, PlanStatus.DRAFT): _("Tillbaka till utkast"),
    (PlanStatus.REVIEW, PlanStatus.DECIDED): _("Fastställd av styrelsen"),
    (PlanStatus.DECIDED, PlanStatus.DRAFT): _("Ny revision påbörjad"),
}


class FrozenRecord(Exception):
    """An adopted snapshot is never changed or deleted."""


class Snapshot(models.Model):
    """The adopted plan as it was decided, kept unchanged for ever: the plan bundle
    (finsam-bundle/1, with budget, interventions, meetings), the validation report
    (its findings), the document's HTML and the PDF, with a SHA-256 of the bundle
    and of the PDF. The decided PDF is served from here, byte for byte."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="snapshots")
    revision = models.PositiveIntegerField(_("revision"))
    created_at = models.DateTimeField(_("skapad"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("skapad av"),
    )
    decided_on = models.DateField(_("fastställd den"))
    reference = models.CharField(_("diarienummer"), max_length=100, blank=True)
    bundle = models.TextField(_("planpaket (JSON)"))
    bundle_sha256 = models.CharField(_("SHA-256 för planpaketet"), max_length=64)
    report = models.TextField(_("kontrollrapport (JSON)"), blank=True)
    html = models.TextField(_("dokumentet som HTML"), blank=True)
    pdf = models.BinaryField(_("PDF"))
    pdf_sha256 = models.CharField(_("SHA-256 för PDF:en"), max_length=64)

    class Meta:
        ordering = ["plan", "-revision"]
        verbose_name = _("fastställd version")
        verbose_name_plural = _("fastställda versioner")
        constraints = [
            models.UniqueConstraint(fields=["plan", "revision"], name="snapshot_one_per_revision"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} (revision {self.revision}, fastställd {self.decided_on})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or not self._state.adding:
            raise FrozenRecord("En fastställd version ändras aldrig.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise FrozenRecord("En fastställd version tas aldrig bort.")

    @property
    def pdf_size(self) -> int:
        return len(self.pdf)

    def pdf_filename(self) -> str:
        suffix = f"-revision-{self.revision}" if self.revision > 1 else ""
        return f"verksamhetsplan-{self.plan.federation.slug}-{self.plan.year}{suffix}.pdf"

    def bundle_filename(self) -> str:
        suffix = f"-revision-{self.revision}" if self.revision > 1 else ""
        return f"planpaket-{self.plan.federation.slug}-{self.plan.year}{suffix}.json"


class CommentTarget(models.TextChoices):
    SECTION = "section", _("Avsnitt")
    INTERVENTION = "intervention", _("Insats")
    BUDGET = "budget", _("Budgeten")


class Comment(models.Model):
    """A comment on a section, an intervention or the budget of a plan, or a reply
    to one. Never deleted, only withdrawn; not changed once it has a reply. The
    director resolves and reopens a comment (the thread's first comment)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("svar på"),
    )
    target = models.CharField(
        _("gäller"), max_length=20, choices=CommentTarget.choices, default=CommentTarget.SECTION
    )
    section = models.ForeignKey(
        Section,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name=_("avsnitt"),
    )
    intervention = models.ForeignKey(
        "interventions.Intervention",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plan_comments",
        verbose_name=_("insats"),
    )
    # What the comment is about, as it was called then (a section may be renamed).
    target_label = models.CharField(_("gäller (rubrik)"), max_length=200, blank=True)
    quote = models.TextField(_("citat ur texten"), blank=True)
    body = models.TextField(_("kommentar"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("skriven av"),
    )
    author_name = models.CharField(_("skriven av (namn)"), max_length=200, blank=True)
    author_role = models.CharField(_("roll"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("skriven"), default=timezone.now)
    changed_at = models.DateTimeField(_("ändrad"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("löst"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("löst av"),
    )
    withdrawn_at = models.DateTimeField(_("återtagen"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("kommentar")
        verbose_name_plural = _("kommentarer")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(target="section") | models.Q(intervention__isnull=True),
                name="comment_section_has_no_intervention",
            ),
            models.CheckConstraint(
                condition=~models.Q(target="intervention") | models.Q(section__isnull=True),
                name="comment_intervention_has_no_section",
            ),
        ]

    def __str__(self) -> str:
        return f"Kommentar av {self.author_name or '–'} om {self.target_label or self.get_target_display()}"

    @property
    def is_reply(self) -> bool:
        return self.parent_id is not None

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    @property
    def is_open(self) -> bool:
        return not self.is_reply and not self.is_withdrawn and not self.is_resolved

    @property
    def anchor(self) -> str:
        return f"kommentar-{self.pk}"
