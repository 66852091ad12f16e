"""The multi-year budget: columns YEAR:KIND, lines by category, amounts, scenarios."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from budgets.rules import COLUMN_KIND_LABELS
from finsam.models import Federation, Member
from interventions.models import Intervention
from plans.models import FrozenRecord


class ColumnKind(models.TextChoices):
    BUDGET = "budget", COLUMN_KIND_LABELS["budget"]
    PLAN = "plan", COLUMN_KIND_LABELS["plan"]
    FORECAST = "forecast", COLUMN_KIND_LABELS["forecast"]
    ACTUAL = "actual", COLUMN_KIND_LABELS["actual"]


class Category(models.TextChoices):
    CONTRIBUTION = "contribution", _("Medlemsbidrag")
    OTHER_INCOME = "other_income", _("Övriga intäkter")
    INTERVENTION = "intervention", _("Insatser")
    ADMINISTRATION = "administration", _("Administration")
    OTHER_COST = "other_cost", _("Övriga kostnader")


INCOME_CATEGORIES = (Category.CONTRIBUTION, Category.OTHER_INCOME)
COST_CATEGORIES = (Category.INTERVENTION, Category.ADMINISTRATION, Category.OTHER_COST)


class Budget(models.Model):
    federation = models.ForeignKey(
        Federation, on_delete=models.CASCADE, related_name="budgets", verbose_name=_("förbund")
    )
    year = models.PositiveIntegerField(_("budgetår"))
    opening_equity = models.DecimalField(
        _("eget kapital vid årets början (IB)"), max_digits=14, decimal_places=2, default=0
    )
    deficit_reason = models.TextField(_("skäl till underskott"), blank=True)
    # Optimistic concurrency: every save bumps it; a save from an older version conflicts.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["federation", "-year"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgetar")
        constraints = [
            models.UniqueConstraint(fields=["federation", "year"], name="budget_one_per_year"),
        ]

    def __str__(self) -> str:
        return f"Budget {self.year} – {self.federation}"

    def get_absolute_url(self) -> str:
        return reverse("budget_detail", args=[self.federation.slug, self.year])


class Column(models.Model):
    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="columns")
    year = models.PositiveIntegerField(_("år"))
    kind = models.CharField(_("slag"), max_length=10, choices=ColumnKind.choices)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["budget", "year", "kind"], name="column_unique"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        return f"{self.year}:{self.kind}"


class Scenario(models.Model):
    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="scenarios")
    name = models.CharField(_("namn"), max_length=200)
    note = models.TextField(_("notering"), blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarier")
        constraints = [
            models.UniqueConstraint(fields=["budget", "name"], name="scenario_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class LineHistory(models.Model):
    """What a budget line's saved version adds: the line's amounts then (column code
    → kronor). A save writes a budget's lines anew, so a line's versions are found
    by budget and key (budgets/services.py fills this in)."""

    amounts = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True


class Line(models.Model):
    """A budget line. Base lines have no scenario; a scenario's line with the same
    key as a base line overrides that line's amounts, any other adds a line."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="lines")
    scenario = models.ForeignKey(
        Scenario, on_delete=models.CASCADE, null=True, blank=True, related_name="lines"
    )
    key = models.SlugField(_("nyckel"), max_length=80)
    category = models.CharField(_("kategori"), max_length=20, choices=Category.choices)
    label = models.CharField(_("benämning"), max_length=200)
    member = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="budget_lines",
        verbose_name=_("medlem"),
    )
    intervention = models.ForeignKey(
        Intervention,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="budget_lines",
        verbose_name=_("insats"),
    )
    # Printed as a footnote under the budget table (a), b), …), as the seeds do.
    note = models.TextField(_("notering"), blank=True)
    position = models.PositiveIntegerField(default=0)
    history = HistoricalRecords(bases=[LineHistory])

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("budgetrad")
        verbose_name_plural = _("budgetrader")
        constraints = [
            models.UniqueConstraint(
                fields=["budget", "key"],
                condition=Q(scenario__isnull=True),
                name="line_key_unique_in_base",
            ),
            models.UniqueConstraint(
                fields=["scenario", "key"],
                condition=Q(scenario__isnull=False),
                name="line_key_unique_in_scenario",
            ),
            models.CheckConstraint(
                condition=~Q(category="contribution") | Q(member__isnull=False),
                name="line_contribution_has_member",
            ),
            models.CheckConstraint(
                condition=Q(category="contribution") | Q(member__isnull=True),
                name="line_member_only_on_contribution",
            ),
            models.CheckConstraint(
                condition=Q(category="intervention") | Q(intervention__isnull=True),
                name="line_intervention_only_on_intervention",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class Amount(models.Model):
    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="amounts")
    column = models.ForeignKey(Column, on_delete=models.CASCADE, related_name="amounts")
    amount = models.DecimalField(_("belopp"), max_digits=14, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["line", "column"], name="amount_one_per_cell"),
        ]

    def __str__(self) -> str:
        return f"{self.line.key} {self.column.code}: {self.amount}"


# --- the follow-up during the year: actuals from the bookkeeping (SIE) -------------


class ActualsImport(models.Model):
    """One SIE file's actuals for a year, as imported (budgets/sie.py read it). The
    latest import of a year is the year's actuals; the earlier ones stay, as what the
    board was shown then."""

    federation = models.ForeignKey(
        Federation, on_delete=models.CASCADE, related_name="actuals_imports"
    )
    year = models.PositiveIntegerField(_("år"))
    file_name = models.CharField(_("filnamn"), max_length=255)
    sha256 = models.CharField(max_length=64)
    program = models.CharField(_("program"), max_length=200, blank=True)
    company = models.CharField(_("företag i filen"), max_length=200, blank=True)
    period_start = models.DateField(_("räkenskapsårets början"))
    period_end = models.DateField(_("räkenskapsårets slut"))
    last_month = models.CharField(_("senaste månad med utfall"), max_length=7, blank=True)
    source = models.CharField(max_length=20)  # "vouchers" or "period_balances"
    warnings = models.JSONField(default=list, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-imported_at", "-pk"]
        verbose_name = _("import av utfall")
        verbose_name_plural = _("importer av utfall")

    def __str__(self) -> str:
        return f"{self.federation} {self.year}: {self.file_name}"


class ActualAccount(models.Model):
    """An account's actuals in an import: its months and its total (the file's #RES
    when it has one)."""

    actuals_import = models.ForeignKey(
        ActualsImport, on_delete=models.CASCADE, related_name="accounts"
    )
    account = models.CharField(_("konto"), max_length=10)
    name = models.CharField(_("kontonamn"), max_length=200, blank=True)
    months = models.JSONField(default=dict)  # "YYYY-MM" → "-1234.00"
    total = models.DecimalField(_("summa"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["account"]
        constraints = [
            models.UniqueConstraint(
                fields=["actuals_import", "account"], name="actual_account_once_per_import"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.name}"


class AccountMapping(models.Model):
    """The förbund's own: an account, or a range of accounts, to a budget line (by its
    key, which stays the same from year to year)."""

    federation = models.ForeignKey(
        Federation, on_delete=models.CASCADE, related_name="account_mappings"
    )
    first_account = models.CharField(_("från konto"), max_length=4)
    last_account = models.CharField(_("till konto"), max_length=4)
    line_key = models.SlugField(_("budgetrad"), max_length=80)

    class Meta:
        ordering = ["first_account", "last_account"]
        constraints = [
            models.UniqueConstraint(
                fields=["federation", "first_account", "last_account"],
                name="account_mapping_unique_range",
            ),
        ]

    def __str__(self) -> str:
        accounts = (
            self.first_account
            if self.first_account == self.last_account
            else f"{self.first_account}–{self.last_account}"
        )
        return f"{accounts} → {self.line_key}"

    def covers(self, account: str) -> bool:
        return self.first_account <= account <= self.last_account


class ForecastMethod(models.TextChoices):
    REMAINING = "remaining", _("Utfall hittills plus återstående budget")
    RUN_RATE = "run_rate", _("Utfall hittills i samma takt året ut")
    ENTERED = "entered", _("Inmatad prognos per rad")


class FollowUp(models.Model):
    """The follow-up of a year at a month ("per 30 juni": month 6), as the
    förbundschef prepares it for a board meeting: how the year's forecast is made,
    the forecasts she has entered and her comments on the deviations (line key →
    "1234.00" and → text). Once sent to the board (FollowUpRecord) it is kept as sent."""

    federation = models.ForeignKey(Federation, on_delete=models.CASCADE, related_name="follow_ups")
    year = models.PositiveIntegerField(_("år"))
    month = models.PositiveSmallIntegerField(_("per månad"))
    method = models.CharField(
        _("prognosmetod"),
        max_length=20,
        choices=ForecastMethod.choices,
        default=ForecastMethod.REMAINING,
    )
    forecasts = models.JSONField(_("inmatade prognoser"), default=dict, blank=True)
    comments = models.JSONField(_("kommentarer"), default=dict, blank=True)
    comment = models.TextField(_("övergripande kommentar"), blank=True)
    meeting = models.ForeignKey(
        "plans.Meeting",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("styrelsemöte"),
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["federation", "year", "month"]
        verbose_name = _("uppföljning")
        verbose_name_plural = _("uppföljningar")
        constraints = [
            models.UniqueConstraint(
                fields=["federation", "year", "month"], name="follow_up_one_per_month"
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1) & Q(month__lte=12), name="follow_up_month_in_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.federation} {self.year} per månad {self.month}"


class FollowUpRecord(models.Model):
    """The follow-up as sent to the board, kept unchanged for ever: its data (JSON),
    the report's HTML and PDF, with a SHA-256 of the data and of the PDF."""

    follow_up = models.OneToOneField(
        FollowUp, on_delete=models.PROTECT, related_name="record", verbose_name=_("uppföljning")
    )
    sent_at = models.DateTimeField(_("skickad"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actuals_import = models.ForeignKey(
        ActualsImport, on_delete=models.PROTECT, related_name="+", verbose_name=_("utfallet")
    )
    data = models.TextField(_("uppgifter (JSON)"))
    data_sha256 = models.CharField(_("SHA-256 för uppgifterna"), max_length=64)
    html = models.TextField(_("rapporten som HTML"), blank=True)
    pdf = models.BinaryField(_("PDF"))
    pdf_sha256 = models.CharField(_("SHA-256 för PDF:en"), max_length=64)

    class Meta:
        verbose_name = _("skickad uppföljning")
        verbose_name_plural = _("skickade uppföljningar")

    def __str__(self) -> str:
        return f"{self.follow_up} (skickad {self.sent_at:%Y-%m-%d})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or not self._state.adding:
            raise FrozenRecord("En skickad uppföljning ändras aldrig.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise FrozenRecord("En skickad uppföljning tas aldrig bort.")
