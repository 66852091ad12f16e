"""The core: förbund (Federation), their members, board seats and user roles."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from finsam.money import DEFAULT_EQUITY_CAP_PERCENT


class MunicipalSplit(models.TextChoices):
    # The law leaves the municipal quarter's split to the förbundsordning.
    POPULATION = "population", _("Efter folkmängd vid ett datum")
    EQUAL = "equal", _("Lika delar")
    FIXED = "fixed", _("Fasta procentsatser")


class Federation(models.Model):
    name = models.CharField(_("namn"), max_length=200)
    slug = models.SlugField(_("kortnamn"), max_length=80, unique=True)
    org_number = models.CharField(_("organisationsnummer"), max_length=20, blank=True)
    address = models.TextField(_("adress"), blank=True)
    contact = models.TextField(_("kontakt"), blank=True)
    # Nationella rådet recommends equity below a share of the year's contributions.
    equity_cap_percent = models.DecimalField(
        _("tak för eget kapital (%)"),
        max_digits=5,
        decimal_places=2,
        default=DEFAULT_EQUITY_CAP_PERCENT,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    equity_floor = models.DecimalField(
        _("golv för eget kapital (kr)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    individual_share_target_percent = models.DecimalField(
        _("mål för individinriktad andel (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    municipal_split = models.CharField(
        _("kommunernas fördelning"),
        max_length=20,
        choices=MunicipalSplit.choices,
        default=MunicipalSplit.POPULATION,
    )
    population_date = models.DateField(
        _("folkmängd per datum"),
        null=True,
        blank=True,
        help_text=_("Datum för folkmängden som fördelningen bygger på."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("samordningsförbund")
        verbose_name_plural = _("samordningsförbund")
        constraints = [
            models.CheckConstraint(
                condition=Q(equity_cap_percent__gte=0) & Q(equity_cap_percent__lte=100),
                name="federation_equity_cap_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("federation_detail", args=[self.slug])


class MemberKind(models.TextChoices):
    SOCIAL_INSURANCE = "social_insurance", _("Försäkringskassan")
    EMPLOYMENT_SERVICE = "employment_service", _("Arbetsförmedlingen")
    REGION = "region", _("Region")
    MUNICIPALITY = "municipality", _("Kommun")


class Member(models.Model):
    federation = models.ForeignKey(
        Federation, on_delete=models.CASCADE, related_name="members", verbose_name=_("förbund")
    )
    key = models.SlugField(_("nyckel"), max_length=60)
    name = models.CharField(_("namn"), max_length=200)
    kind = models.CharField(_("slag"), max_length=30, choices=MemberKind.choices)
    population = models.PositiveIntegerField(_("folkmängd"), null=True, blank=True)
    population_date = models.DateField(_("folkmängd per datum"), null=True, blank=True)
    fixed_share_percent = models.DecimalField(
        _("fast andel av kommunernas del (%)"),
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    position = models.PositiveIntegerField(_("ordning"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("medlem")
        verbose_name_plural = _("medlemmar")
        constraints = [
            models.UniqueConstraint(fields=["federation", "key"], name="member_key_unique"),
            models.CheckConstraint(
                condition=Q(kind="municipality")
                | (Q(population__isnull=True) & Q(fixed_share_percent__isnull=True)),
                name="member_population_only_for_municipality",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.kind != MemberKind.MUNICIPALITY and (
            self.population is not None or self.fixed_share_percent is not None
        ):
            raise ValidationError(_("Folkmängd och fast andel anges bara för kommuner."))


class SeatRole(models.TextChoices):
    MEMBER = "ledamot", _("Ledamot")
    DEPUTY = "ersattare", _("Ersättare")


class SeatPosition(models.TextChoices):
    NONE = "", _("–")
    CHAIR = "chair", _("Ordförande")
    VICE_CHAIR = "vice_chair", _("Vice ordförande")


class BoardSeat(models.Model):
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="board_seats", verbose_name=_("medlem")
    )
    person = models.CharField(_("namn"), max_length=200)
    role = models.CharField(_("roll"), max_length=20, choices=SeatRole.choices)
    position = models.CharField(
        _("uppdrag"), max_length=20, choices=SeatPosition.choices, blank=True, default=""
    )
    term_end = models.DateField(_("mandatperiod till"), null=True, blank=True)

    class Meta:
        ordering = ["member__position", "member_id", "role", "id"]
        verbose_name = _("styrelseplats")
        verbose_name_plural = _("styrelseplatser")

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()}, {self.member})"


class Role(models.TextChoices):
    DIRECTOR = "director", _("Förbundschef")
    REVIEWER = "reviewer", _("Beredningsgrupp")
    BOARD = "board", _("Styrelse")
    VIEWER = "viewer", _("Läsare")


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("användare"),
    )
    federation = models.ForeignKey(
        Federation, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("förbund")
    )
    role = models.CharField(_("roll"), max_length=20, choices=Role.choices)
    # Part of the calendar subscription token (plans/calendar.py): raising it
    # ("Byt länk") makes the old link stop working.
    calendar_generation = models.PositiveIntegerField(
        _("kalenderlänkens generation"), default=0, editable=False
    )

    class Meta:
        verbose_name = _("behörighet")
        verbose_name_plural = _("behörigheter")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "federation"], name="membership_one_per_user_federation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.federation} ({self.get_role_display()})"


class AuditEntryQuerySet(models.QuerySet):
    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionDenied("Loggen ändras inte: poster tas inte bort.")


class AuditEntry(models.Model):
    """Who did what, when, in which förbund: written by finsam/audit.py `record()`
    from the services, the exports and failed logins. Never changed or deleted."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("användare"),
    )
    # The user name as it was, kept when the user is deleted.
    actor_name = models.CharField(_("användarnamn"), max_length=150, blank=True)
    federation = models.ForeignKey(
        Federation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("förbund"),
    )
    time = models.DateTimeField(_("tid"), default=timezone.now, db_index=True)
    action = models.CharField(_("händelse"), max_length=100)
    object = models.CharField(_("objekt"), max_length=300, blank=True)
    changes = models.JSONField(_("ändringar"), default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-time", "-id"]
        verbose_name = _("loggpost")
        verbose_name_plural = _("logg")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M} {self.actor_name or '–'}: {self.action} {self.object}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionDenied("Loggen ändras inte: en sparad post kan inte ändras.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionDenied("Loggen ändras inte: poster tas inte bort.")


class InvitationQuerySet(models.QuerySet):
    def open(self) -> InvitationQuerySet:
        """Neither taken up nor withdrawn (an expired link is still open: it can be
        sent again)."""
        return self.filter(accepted_at__isnull=True, withdrawn_at__isnull=True)


class Invitation(models.Model):
    """An e-mail invitation to a förbund with a role (finsam/people.py).

    The link in the mail carries a token made by finsam/tokens.py from this row:
    sending it again, taking it up or withdrawing it changes the row, and so every
    earlier link stops working. The user and the membership are made when the
    invitee takes it up."""

    federation = models.ForeignKey(
        Federation, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("förbund")
    )
    # Stored in lower case (finsam/people.py), so one address has one open invitation.
    email = models.EmailField(_("e-postadress"))
    name = models.CharField(_("namn"), max_length=200, blank=True)
    role = models.CharField(_("roll"), max_length=20, choices=Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("inbjuden av"),
    )
    created_at = models.DateTimeField(_("skapad"), default=timezone.now)
    sent_at = models.DateTimeField(_("senast skickad"), null=True, blank=True)
    send_count = models.PositiveIntegerField(_("antal utskick"), default=0)
    accepted_at = models.DateTimeField(_("mottagen"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("mottagen av"),
    )
    withdrawn_at = models.DateTimeField(_("återkallad"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("inbjudan")
        verbose_name_plural = _("inbjudningar")
        constraints = [
            models.UniqueConstraint(
                fields=["federation", "email"],
                condition=Q(accepted_at__isnull=True, withdrawn_at__isnull=True),
                name="invitation_one_open_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} – {self.federation} ({self.get_role_display()})"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.withdrawn_at is None
