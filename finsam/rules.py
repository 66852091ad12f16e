"""Rules for a förbund's setup: its members and its board.

Pure functions over plain values; no ORM, no request. The selector in
finsam/selectors.py turns the database rows into `MemberFacts` and calls
`federation_setup_findings`. An incomplete setup is still saved: the rules only
say what is missing, on the förbund page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from finsam.findings import ERROR, WARNING, Finding
from finsam.models import MemberKind

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
