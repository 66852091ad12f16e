"""The setup rules, table-driven, without a database."""

from __future__ import annotations

import pytest

from finsam.findings import ERROR, WARNING
from finsam.rules import BOARD_SEATS, FEDERATION_MEMBERS, MemberFacts, federation_setup_findings


def m(key: str, kind: str, ledamot: int = 1, ersattare: int = 1, name: str | None = None):
    return MemberFacts(
        key=key,
        name=name or key.capitalize(),
        kind=kind,
        ledamot_count=ledamot,
        ersattare_count=ersattare,
    )


FK = m("fk", "social_insurance", name="Försäkringskassan")
AF = m("af", "employment_service", name="Arbetsförmedlingen")
REGION = m("region", "region", name="Region Jönköpings län")
HABO = m("habo", "municipality", name="Habo kommun")
MULLSJO = m("mullsjo", "municipality", name="Mullsjö kommun")
COMPLETE = [FK, AF, REGION, HABO, MULLSJO]


def codes(findings):
    return [(f.rule, f.severity, f.member) for f in findings]


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        pytest.param(COMPLETE, [], id="complete"),
        pytest.param([FK, AF, REGION, HABO], [], id="one municipality is enough"),
        pytest.param(
            [FK, AF, REGION, m("lund", "region"), HABO], [], id="several regions are allowed"
        ),
        pytest.param(
            [AF, REGION, HABO], [(FEDERATION_MEMBERS, ERROR, None)], id="no Försäkringskassan"
        ),
        pytest.param(
            [FK, REGION, HABO], [(FEDERATION_MEMBERS, ERROR, None)], id="no Arbetsförmedlingen"
        ),
        pytest.param([FK, AF, HABO], [(FEDERATION_MEMBERS, ERROR, None)], id="no region"),
        pytest.param([FK, AF, REGION], [(FEDERATION_MEMBERS, ERROR, None)], id="no municipality"),
        pytest.param(
            [], [(FEDERATION_MEMBERS, ERROR, None)] * 4, id="no members: all four parties missing"
        ),
        pytest.param(
            [FK, m("fk2", "social_insurance"), AF, REGION, HABO],
            [(FEDERATION_MEMBERS, ERROR, None)],
            id="Försäkringskassan twice",
        ),
        pytest.param(
            [FK, AF, REGION, m("habo", "municipality", ledamot=0)],
            [(BOARD_SEATS, WARNING, "habo")],
            id="no ledamot",
        ),
        pytest.param(
            [FK, AF, REGION, m("habo", "municipality", ersattare=0)],
            [(BOARD_SEATS, WARNING, "habo")],
            id="no ersättare",
        ),
        pytest.param(
            [FK, AF, REGION, m("habo", "municipality", ledamot=0, ersattare=0)],
            [(BOARD_SEATS, WARNING, "habo")],
            id="neither: one finding for the member",
        ),
        pytest.param(
            [FK, AF, REGION, m("habo", "municipality", ledamot=2, ersattare=3)],
            [],
            id="more seats are fine",
        ),
        pytest.param(
            [m("fk", "social_insurance", ledamot=0), AF, HABO],
            [(FEDERATION_MEMBERS, ERROR, None), (BOARD_SEATS, WARNING, "fk")],
            id="errors come before warnings",
        ),
    ],
)
def test_federation_setup_findings(members, expected):
    assert codes(federation_setup_findings(members)) == expected


@pytest.mark.parametrize(
    ("members", "fragment"),
    [
        ([AF, REGION, HABO], "Försäkringskassan saknas"),
        ([FK, REGION, HABO], "Arbetsförmedlingen saknas"),
        ([FK, AF, HABO], "ingen region"),
        ([FK, AF, REGION], "ingen kommun"),
        (
            [FK, m("fk2", "social_insurance", name="FK Syd"), AF, REGION, HABO],
            "Försäkringskassan finns 2 gånger bland medlemmarna (Försäkringskassan, FK Syd)",
        ),
        (
            [FK, AF, REGION, m("habo", "municipality", ledamot=0, name="Habo kommun")],
            "Habo kommun saknar ledamot i styrelsen.",
        ),
        (
            [FK, AF, REGION, m("habo", "municipality", ersattare=0, name="Habo kommun")],
            "Habo kommun saknar ersättare i styrelsen.",
        ),
        (
            [FK, AF, REGION, m("habo", "municipality", 0, 0, name="Habo kommun")],
            "Habo kommun saknar både ledamot och ersättare i styrelsen.",
        ),
    ],
)
def test_messages_are_swedish_and_name_the_member(members, fragment):
    findings = federation_setup_findings(members)
    assert len(findings) == 1
    assert fragment in findings[0].message
    assert findings[0].year is None
