"""Insatser: the activities a förbund funds, their measurable goals and the
yearly outcomes against those goals.

No data about individual participants is stored here: an outcome is a number
per goal and year (the participants themselves are followed up in SUS /
Uppföljning Finsam, outside this application).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from finsam.models import Federation, Member
from finsam.money import format_number, whole_if_integral

MAX_AGE = 120


def goal_number(value: Decimal) -> str:
    """A goal's target or outcome the Swedish way, without trailing zeros:
    "40", "12,5", "1 200"."""
    value = value.normalize()
    if value == value.to_integral_value():
        return format_number(whole_if_integral(value))
    whole, fraction = format(abs(value), "f").split(".")
    sign = "\u2212" if value < 0 else ""
    return f"{sign}{format_number(Decimal(whole))},{fraction}"


class InterventionStatus(models.TextChoices):
    IDEA = "idea", _("Idé")
    APPLICATION = "application", _("Ansökan")
    GRANTED = "granted", _("Beviljad")
    ONGOING = "ongoing", _("Pågående")
    FINISHED = "finished", _("Avslutad")


# The labels förbund use for their kinds of insats; the field is free text, these
# are offered as suggestions.
CATEGORY_LABEL_SUGGESTIONS = (
    "individinriktad",
    "processtödjande",
    "samverkansstödjande",
    "strukturinriktad",
    "förstudie",
)


class Intervention(models.Model):
    federation = models.ForeignKey(
        Federation,
        on_delete=models.CASCADE,
        related_name="interventions",
        verbose_name=_("förbund"),
    )
    key = models.SlugField(_("nyckel"), max_length=60)
    name = models.CharField(_("namn"), max_length=200)
    short_name = models.CharField(_("kortnamn"), max_length=40, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=InterventionStatus.choices,
        default=InterventionStatus.ONGOING,
    )
    # How much is individinriktad; the rest is strukturell (processtödjande etc.).
    individual_share_percent = models.DecimalField(
        _("individinriktad andel (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(100),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    # The förbund's own word for the kind (processtödjande, samverkansstödjande, …).
    category_label = models.CharField(_("förbundets kategori"), max_length=60, blank=True)
    members = models.ManyToManyField(
        Member, related_name="interventions", blank=True, verbose_name=_("medverkande medlemmar")
    )
    owner = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_interventions",
        verbose_name=_("projektägare"),
    )
    owner_unit = models.CharField(_("projektägarens enhet"), max_length=200, blank=True)
    steering_members = models.ManyToManyField(
        Member,
        related_name="steered_interventions",
        blank=True,
        verbose_name=_("styrgrupp: medlemmar"),
    )
    steering_group = models.TextField(_("styrgrupp: övriga"), blank=True)
    start = models.DateField(_("start"), null=True, blank=True)
    end = models.DateField(_("slut"), null=True, blank=True)
    target_group = models.TextField(_("målgrupp"), blank=True)
    age_min = models.PositiveSmallIntegerField(
        _("ålder från"), null=True, blank=True, validators=[MaxValueValidator(MAX_AGE)]
    )
    age_max = models.PositiveSmallIntegerField(
        _("ålder till"), null=True, blank=True, validators=[MaxValueValidator(MAX_AGE)]
    )
    purpose = models.TextField(_("syfte"), blank=True)
    description = models.TextField(_("beskrivning"), blank=True)
    reports_participants = models.BooleanField(
        _("deltagare rapporteras i SUS / Uppföljning Finsam"), default=False
    )
    interim_report_on = models.DateField(_("delårsrapport"), null=True, blank=True)
    annual_report_on = models.DateField(_("årsrapport"), null=True, blank=True)
    extra = models.JSONField(_("övriga uppgifter"), default=dict, blank=True)
    position = models.PositiveIntegerField(_("ordning"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("insats")
        verbose_name_plural = _("insatser")
        constraints = [
            models.UniqueConstraint(fields=["federation", "key"], name="intervention_key_unique"),
            models.CheckConstraint(
                condition=Q(individual_share_percent__gte=0) & Q(individual_share_percent__lte=100),
                name="intervention_individual_share_range",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(start__isnull=True) | Q(end__gte=F("start")),
                name="intervention_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(age_min__isnull=True)
                | Q(age_max__isnull=True)
                | Q(age_max__gte=F("age_min")),
                name="intervention_age_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("intervention_detail", args=[self.federation.slug, self.pk])

    def clean(self) -> None:
        # The check constraints say the same; this gives the message on the field.
        errors = {}
        if self.start and self.end and self.end < self.start:
            errors["end"] = ValidationError(
                _("Slutdatum %(end)s ligger före startdatum %(start)s."),
                params={"end": self.end.isoformat(), "start": self.start.isoformat()},
                code="end_before_start",
            )
        if self.age_min is not None and self.age_max is not None and self.age_max < self.age_min:
            errors["age_max"] = ValidationError(
                _("Åldern till (%(max)s) är lägre än åldern från (%(min)s)."),
                params={"max": self.age_max, "min": self.age_min},
                code="age_range",
            )
        if errors:
            raise ValidationError(errors)

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    @property
    def status_label(self) -> str:
        return str(InterventionStatus(self.status).label)

    @property
    def structural_share_percent(self) -> Decimal:
        return Decimal(100) - self.individual_share_percent

    @property
    def kind_label(self) -> str:
        """ "Individinriktad", "Strukturell" or "50 % individinriktad, 50 % strukturell"."""
        share = self.individual_share_percent
        if share >= 100:
            return str(_("Individinriktad"))
        if share <= 0:
            return str(_("Strukturell"))
        return _("%(individual)s %% individinriktad, %(structural)s %% strukturell") % {
            "individual": format_number(share),
            "structural": format_number(self.structural_share_percent),
        }

    @property
    def age_range(self) -> str:
        """ "18–64 år", "från 16 år", "till 29 år" or ""."""
        if self.age_min is not None and self.age_max is not None:
            return f"{self.age_min}–{self.age_max} år"
        if self.age_min is not None:
            return f"från {self.age_min} år"
        if self.age_max is not None:
            return f"till {self.age_max} år"
        return ""


class GoalComparison(models.TextChoices):
    AT_LEAST = "at_least", _("minst")
    AT_MOST = "at_most", _("högst")


class InterventionGoal(models.Model):
    intervention = models.ForeignKey(
        Intervention, on_delete=models.CASCADE, related_name="goals", verbose_name=_("insats")
    )
    text = models.TextField(_("mål"))
    # A measurable target: "40" with unit "%", "30" with "ärenden per år". A goal
    # without a target is allowed but the rule intervention-goal-target warns.
    target = models.DecimalField(
        _("målvärde"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    unit = models.CharField(_("enhet"), max_length=40, blank=True)
    comparison = models.CharField(
        _("uppnått när utfallet är"),
        max_length=10,
        choices=GoalComparison.choices,
        default=GoalComparison.AT_LEAST,
    )
    position = models.PositiveIntegerField(_("ordning"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("mål för insats")
        verbose_name_plural = _("mål för insatser")

    def __str__(self) -> str:
        return self.text

    @property
    def target_text(self) -> str:
        """ "minst 40 %", "högst 10 personer"; "" without a target."""
        if self.target is None:
            return ""
        text = f"{GoalComparison(self.comparison).label} {goal_number(self.target)}"
        return f"{text} {self.unit}".strip() if self.unit else text


# The years an outcome may be recorded for (the outcomes page answers 404 outside).
OUTCOME_YEARS = (1900, 2999)


class InterventionOutcome(models.Model):
    """The outcome of one goal in one year: a number, never a participant."""

    goal = models.ForeignKey(
        InterventionGoal, on_delete=models.CASCADE, related_name="outcomes", verbose_name=_("mål")
    )
    year = models.PositiveIntegerField(
        _("år"),
        validators=[MinValueValidator(OUTCOME_YEARS[0]), MaxValueValidator(OUTCOME_YEARS[1])],
    )
    value = models.DecimalField(_("utfall"), max_digits=14, decimal_places=2)
    note = models.CharField(_("kommentar"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["goal", "year"]
        verbose_name = _("utfall för mål")
        verbose_name_plural = _("utfall för mål")
        constraints = [
            models.UniqueConstraint(fields=["goal", "year"], name="outcome_one_per_goal_year"),
        ]

    def __str__(self) -> str:
        return f"{self.goal} {self.year}: {self.value}"


class PeriodFollowUp(models.Model):
    """An intervention's follow-up for January up to the end of a month ("per 30
    juni": month 6): its participants as counts, never as persons. Total may exceed
    women and men together: not everyone's gender is recorded."""

    intervention = models.ForeignKey(
        Intervention,
        on_delete=models.CASCADE,
        related_name="period_follow_ups",
        verbose_name=_("insats"),
    )
    year = models.PositiveIntegerField(
        _("år"),
        validators=[MinValueValidator(OUTCOME_YEARS[0]), MaxValueValidator(OUTCOME_YEARS[1])],
    )
    month = models.PositiveSmallIntegerField(
        _("per månad"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    women = models.PositiveIntegerField(_("kvinnor"), default=0)
    men = models.PositiveIntegerField(_("män"), default=0)
    total = models.PositiveIntegerField(_("totalt"), default=0)
    note = models.CharField(_("kommentar"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["intervention", "year", "month"]
        verbose_name = _("uppföljning av insats per period")
        verbose_name_plural = _("uppföljningar av insatser per period")
        constraints = [
            models.UniqueConstraint(
                fields=["intervention", "year", "month"], name="period_follow_up_once"
            ),
            models.CheckConstraint(
                condition=Q(total__gte=F("women") + F("men")),
                name="period_total_covers_women_and_men",
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1) & Q(month__lte=12), name="period_month_in_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.intervention} {self.year}-{self.month:02d}"

    def clean(self) -> None:
        if (self.women or 0) + (self.men or 0) > (self.total or 0):
            raise ValidationError(
                {"total": "Totalt kan inte vara mindre än kvinnor och män tillsammans."}
            )


class PeriodOutcome(models.Model):
    """A goal's outcome to date in a period's follow-up: a number, never a person."""

    period = models.ForeignKey(PeriodFollowUp, on_delete=models.CASCADE, related_name="outcomes")
    goal = models.ForeignKey(
        InterventionGoal, on_delete=models.CASCADE, related_name="period_outcomes"
    )
    value = models.DecimalField(_("utfall"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["period", "goal"]
        constraints = [
            models.UniqueConstraint(fields=["period", "goal"], name="period_outcome_once"),
        ]

    def __str__(self) -> str:
        return f"{self.goal}: {self.value}"
