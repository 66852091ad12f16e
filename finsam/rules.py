"""Rules for a förbund's setup: its members and its board.

Pure functions over plain values; no ORM, no request. The selector in
finsam/selectors.py turns the database rows into `MemberFacts` and calls
`federation_setup_findings`. An incomplete setup is still saved: the rules only
say what is missing, on the förbund page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from finsam.findings import ERROR, WARNING, Finding
from finsam.models import MemberKind, MunicipalSplit
from finsam.money import format_percent

FEDERATION_MEMBERS = "federation-members"
BOARD_SEATS = "board-seats"


@dataclass(frozen=True)
class MemberFacts:
    """What the setup rules need to know about one member."""

    key: str
    name: str
    kind: str
    ledamot_count: int
    ersattare_count: int


# Lag (2003:1210) om finansiell samordning av rehabiliteringsinsatser, 3 §:
# finansiell samordning får bedrivas endast om Försäkringskassan,
# Arbetsförmedlingen, minst en region (landsting) och minst en kommun deltar.
# (The law's exception, a municipality outside any region, is Gotland, which is
# both; it is entered as a region and a municipality.) The state is one party of
# each kind, so Försäkringskassan and Arbetsförmedlingen appear exactly once.
_REQUIRED_PARTIES: tuple[tuple[str, bool], ...] = (
    # (kind, exactly one)
    (MemberKind.SOCIAL_INSURANCE, True),
    (MemberKind.EMPLOYMENT_SERVICE, True),
    (MemberKind.REGION, False),
    (MemberKind.MUNICIPALITY, False),
)


def _missing_party_message(kind: str) -> str:
    if kind == MemberKind.SOCIAL_INSURANCE:
        return _("Försäkringskassan saknas bland medlemmarna. Lagen kräver att den deltar.")
    if kind == MemberKind.EMPLOYMENT_SERVICE:
        return _("Arbetsförmedlingen saknas bland medlemmarna. Lagen kräver att den deltar.")
    if kind == MemberKind.REGION:
        return _("Förbundet har ingen region som medlem. Lagen kräver minst en region.")
    return _("Förbundet har ingen kommun som medlem. Lagen kräver minst en kommun.")


def _members_setup_findings(members: Sequence[MemberFacts]) -> list[Finding]:
    findings: list[Finding] = []
    for kind, exactly_one in _REQUIRED_PARTIES:
        of_kind = [m for m in members if m.kind == kind]
        if not of_kind:
            findings.append(Finding(FEDERATION_MEMBERS, ERROR, None, _missing_party_message(kind)))
        elif exactly_one and len(of_kind) > 1:
            findings.append(
                Finding(
                    FEDERATION_MEMBERS,
                    ERROR,
                    None,
                    _(
                        "%(party)s finns %(count)d gånger bland medlemmarna (%(names)s); "
                        "den deltar som en enda part."
                    )
                    % {
                        "party": MemberKind(kind).label,
                        "count": len(of_kind),
                        "names": ", ".join(m.name for m in of_kind),
                    },
                )
            )
    return findings


# Lag (2003:1210) 12 §: styrelsens ledamöter och ersättare utses av medlemmarna.
# The förbundsordningar (e.g. Södra Vätterbygden: "en ledamot och en ersättare
# från respektive medlem") give every member at least one ledamot and one
# ersättare. A missing seat is a warning: it is often a vacancy between elections.
def _board_seat_findings(members: Sequence[MemberFacts]) -> list[Finding]:
    findings: list[Finding] = []
    for member in members:
        missing_ledamot = member.ledamot_count < 1
        missing_ersattare = member.ersattare_count < 1
        if missing_ledamot and missing_ersattare:
            message = _("%(name)s saknar både ledamot och ersättare i styrelsen.")
        elif missing_ledamot:
            message = _("%(name)s saknar ledamot i styrelsen.")
        elif missing_ersattare:
            message = _("%(name)s saknar ersättare i styrelsen.")
        else:
            continue
        findings.append(
            Finding(BOARD_SEATS, WARNING, None, message % {"name": member.name}, member=member.key)
        )
    return findings


def federation_setup_findings(members: Sequence[MemberFacts]) -> list[Finding]:
    """What is missing from a förbund's members and board: errors first."""
    return _members_setup_findings(members) + _board_seat_findings(members)


# --- The basis of the municipal split ------------------------------------------------
# The law leaves the municipalities' quarter to the förbundsordning (domain.md, rule 2):
# by population on a given date, in equal parts, or by fixed percentages.
MUNICIPAL_SPLIT_BASIS = "municipal-split-basis"
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class MunicipalityFacts:
    key: str
    name: str
    population: int | None
    fixed_share_percent: Decimal | None


def fixed_shares_problem(shares: Sequence[Decimal | None]) -> str | None:
    """Fixed shares of the municipal quarter are given for every municipality and add
    up to 100 %, or say what is wrong (None when nothing is given at all)."""
    given = [s for s in shares if s is not None]
    if not given:
        return None
    if len(given) < len(shares):
        return _("Ange en fast andel för varje kommun (%(given)d av %(count)d har en).") % {
            "given": len(given),
            "count": len(shares),
        }
    total = sum(given, Decimal(0))
    if total != HUNDRED:
        return _("Kommunernas fasta andelar är tillsammans %(total)s; de ska bli 100 %%.") % {
            "total": format_percent(total)
        }
    return None


def split_basis_findings(
    split: str, population_date: date | None, municipalities: Sequence[MunicipalityFacts]
) -> list[Finding]:
    """What the municipal split still lacks: populations (and their date) or fixed
    shares. Equal parts need nothing. Warnings: the setup is saved anyway."""

    def warn(message: str, member: str | None = None) -> Finding:
        return Finding(MUNICIPAL_SPLIT_BASIS, WARNING, None, message, member=member)

    if split == MunicipalSplit.EQUAL or not municipalities:
        return []
    if split == MunicipalSplit.POPULATION:
        missing = [m for m in municipalities if not m.population]
        findings = [
            warn(_("Folkmängd saknas för %(name)s.") % {"name": m.name}, m.key) for m in missing
        ]
        if population_date is None:
            findings.append(warn(_("Ange vilket datum folkmängden gäller (förbundets uppgifter).")))
        return findings
    problem = fixed_shares_problem([m.fixed_share_percent for m in municipalities])
    if problem is None and all(m.fixed_share_percent is None for m in municipalities):
        problem = _("Ange kommunernas fasta andelar av kommunernas del.")
    return [] if problem is None else [warn(problem)]
