"""What a förbund still lacks to get going, for its page ("Kom igång"): members,
board seats, the basis of the municipal split, a plan and a budget, and people.

The core's own steps are made here from what the förbund page has read already;
the plan's and the budget's are made above the core (documents/selectors.py) and
given to `getting_started` by the förbund page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from finsam.findings import ERROR
from finsam.models import MemberKind, MunicipalSplit
from finsam.rules import (
    BOARD_SEATS,
    FEDERATION_MEMBERS,
    MunicipalityFacts,
    split_basis_findings,
)
from finsam.steps import (
    MEMBERS_ORDER,
    PEOPLE_ORDER,
    SEATS_ORDER,
    SPLIT_ORDER,
    Step,
)

if TYPE_CHECKING:
    from finsam.models import Federation
    from finsam.selectors import MembersOverview


@dataclass(frozen=True)
class GettingStarted:
    steps: tuple[Step, ...]

    @property
    def missing(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if not s.done)

    @property
    def complete(self) -> bool:
        return not self.missing


def getting_started(
    federation: Federation,
    overview: MembersOverview,
    *,
    people: int,
    invited: int,
    steps: Iterable[Step] = (),
) -> GettingStarted:
    """The steps: the core's, from the overview the page has already read, and
    `steps`, those of the apps above the core. `people`: those with another role
    than förbundschef; `invited`: the open invitations
    (finsam.people.selectors.people_counts)."""
    every = [
        _members_step(federation, overview),
        _seats_step(federation, overview),
        _split_step(federation, overview),
        _people_step(federation, people, invited),
        *steps,
    ]
    return GettingStarted(steps=tuple(sorted(every, key=lambda s: s.order)))


def _members_step(federation: Federation, overview: MembersOverview) -> Step:
    problems = [
        f.message for f in overview.findings if f.rule == FEDERATION_MEMBERS and f.severity == ERROR
    ]
    count = len(overview.members)
    if not count:
        detail = _(
            "Lägg till Försäkringskassan, Arbetsförmedlingen, minst en region och minst en kommun."
        )
    elif problems:
        detail = " ".join(problems)
    else:
        detail = ngettext("%(count)d medlem.", "%(count)d medlemmar.", count) % {"count": count}
    return Step(
        key="members",
        title=_("Medlemmar"),
        done=bool(count) and not problems,
        detail=detail,
        order=MEMBERS_ORDER,
        url=reverse("member_create", args=[federation.slug]),
        action=_("Lägg till medlem"),
    )


def _seats_step(federation: Federation, overview: MembersOverview) -> Step:
    lacking = {f.member for f in overview.findings if f.rule == BOARD_SEATS}
    names = [row.member.name for row in overview.members if row.member.key in lacking]
    seats = len(overview.seats)
    if not overview.members:
        return Step(
            key="seats",
            title=_("Styrelseplatser"),
            done=False,
            detail=_("Lägg till medlemmarna först; varje medlem har en ledamot och en ersättare."),
            order=SEATS_ORDER,
        )
    done = not names
    detail = (
        ngettext("%(count)d styrelseplats.", "%(count)d styrelseplatser.", seats) % {"count": seats}
        if done
        else _("Varje medlem har en ledamot och en ersättare; det saknas för %(names)s.")
        % {"names": get_text_list(names, _("och"))}
    )
    return Step(
        key="seats",
        title=_("Styrelseplatser"),
        done=done,
        detail=detail,
        order=SEATS_ORDER,
        url=reverse("seat_create", args=[federation.slug]),
        action=_("Lägg till styrelseplats"),
    )


def _split_step(federation: Federation, overview: MembersOverview) -> Step:
    municipalities = [
        MunicipalityFacts(
            key=row.member.key,
            name=row.member.name,
            population=row.member.population,
            fixed_share_percent=row.member.fixed_share_percent,
        )
        for row in overview.members
        if row.member.kind == MemberKind.MUNICIPALITY
    ]
    title = (
        _("Folkmängd för fördelningen")
        if federation.municipal_split == MunicipalSplit.POPULATION
        else _("Kommunernas fördelning")
    )
    if not municipalities:
        return Step(
            key="split",
            title=title,
            done=False,
            detail=_("Lägg till kommunerna först."),
            order=SPLIT_ORDER,
        )
    findings = split_basis_findings(
        federation.municipal_split, federation.population_date, municipalities
    )
    if not findings:
        detail = {
            MunicipalSplit.POPULATION: _("Folkmängd för alla kommuner per %(date)s.")
            % {
                "date": f"{federation.population_date:%Y-%m-%d}"
                if federation.population_date
                else ""
            },
            MunicipalSplit.EQUAL: _("Kommunerna delar lika; ingen folkmängd behövs."),
            MunicipalSplit.FIXED: _("Fasta andelar för alla kommuner, 100 % tillsammans."),
        }[MunicipalSplit(federation.municipal_split)]
        return Step(key="split", title=title, done=True, detail=detail, order=SPLIT_ORDER)
    # The first member to fix, or the förbund's own settings (the date, the method).
    first = next((f.member for f in findings if f.member), None)
    member_pk = next((row.member.pk for row in overview.members if row.member.key == first), None)
    url, action = (
        (reverse("member_edit", args=[federation.slug, member_pk]), _("Ange folkmängd"))
        if member_pk is not None
        else (reverse("federation_edit", args=[federation.slug]), _("Redigera förbundet"))
    )
    if federation.municipal_split == MunicipalSplit.FIXED:
        url, action = (
            reverse("federation_detail", args=[federation.slug]) + "#medlemmar",
            _("Till medlemmarna"),
        )
    return Step(
        key="split",
        title=title,
        done=False,
        detail=" ".join(f.message for f in findings),
        order=SPLIT_ORDER,
        url=url,
        action=action,
    )


def _people_step(federation: Federation, people: int, invited: int) -> Step:
    done = bool(people or invited)
    if done:
        detail = " ".join(
            part
            for part in (
                ngettext(
                    "%(count)d person till har behörighet.",
                    "%(count)d personer till har behörighet.",
                    people,
                )
                % {"count": people}
                if people
                else "",
                ngettext(
                    "%(count)d inbjudan väntar på svar.",
                    "%(count)d inbjudningar väntar på svar.",
                    invited,
                )
                % {"count": invited}
                if invited
                else "",
            )
            if part
        )
    else:
        detail = _(
            "Bjud in beredningsgruppen och styrelsen, så att de kan läsa och kommentera planen."
        )
    return Step(
        key="people",
        title=_("Personer"),
        done=done,
        detail=detail,
        order=PEOPLE_ORDER,
        url=reverse("people", args=[federation.slug]) + "#bjud-in",
        action=_("Bjud in"),
    )
