"""Insatser: the activities a förbund funds. Grows in its own issue."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from finsam.models import Federation, Member


class Intervention(models.Model):
    federation = models.ForeignKey(
        Federation, on_delete=models.CASCADE, related_name="interventions",
        verbose_name=_("förbund"),
    )
    key = models.SlugField(_("nyckel"), max_length=60)
    name = models.CharField(_("namn"), max_length=200)
    # How much is individinriktad; the rest is strukturell (processtödjande etc.).
    individual_share_percent = models.DecimalField(
        _("individinriktad andel (%)"), max_digits=5, decimal_places=2, default=Decimal(100),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    members = models.ManyToManyField(
        Member, related_name="interventions", blank=True, verbose_name=_("medverkande medlemmar")
    )
    owner = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="owned_interventions",
        verbose_name=_("projektägare"),
    )
    start = models.DateField(_("start"), null=True, blank=True)
    end = models.DateField(_("slut"), null=True, blank=True)
    target_group = models.TextField(_("målgrupp"), blank=True)
    purpose = models.TextField(_("syfte"), blank=True)
    extra = models.JSONField(_("övriga uppgifter"), default=dict, blank=True)
    position = models.PositiveIntegerField(_("ordning"), default=0)

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
        ]

    def __str__(self) -> str:
        return self.name


class InterventionGoal(models.Model):
    intervention = models.ForeignKey(
        Intervention, on_delete=models.CASCADE, related_name="goals", verbose_name=_("insats")
    )
    text = models.TextField(_("mål"))
    target = models.CharField(_("målvärde"), max_length=40, blank=True)
    unit = models.CharField(_("enhet"), max_length=40, blank=True)
    position = models.PositiveIntegerField(_("ordning"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("mål för insats")
        verbose_name_plural = _("mål för insatser")

    def __str__(self) -> str:
        return self.text
