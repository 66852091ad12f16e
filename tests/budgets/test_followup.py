"""Issue 18, point 3: a mapping from accounts to budget lines is suggested from names
and numbers, for BAS and Kommun-Bas alike, and what fits nothing stays unmapped."""

from __future__ import annotations

from budgets.followup import BudgetLine, is_kommun_bas, suggest_mapping

LINES = [
    BudgetLine("fk", "contribution", "Försäkringskassan"),
    BudgetLine("region", "contribution", "Region Jönköpings län"),
    BudgetLine("ranta", "other_income", "Ränteintäkter"),
    BudgetLine("samteam", "intervention", "SAMTEAM Burlöv"),
    BudgetLine("kansli", "administration", "Kansli"),
    BudgetLine("revision", "administration", "Revision"),
    BudgetLine("bank", "other_cost", "Bankkostnader"),
]


def test_kommun_bas_by_its_names():
    kommun = {
        "4530": "Bidrag till insatser",
        "5110": "Löner månadsavlönade",
        "8440": "Ränteintäkter",
    }
    assert is_kommun_bas(kommun)
    bas = {"5010": "Lokalhyra", "7010": "Löner till kollektivanställda", "4010": "Inköp"}
    assert not is_kommun_bas(bas)


def test_kommun_bas_accounts_go_to_the_förbunds_lines():
    accounts = {
        "3010": "Bidrag Försäkringskassan",
        "3020": "Bidrag Region Jönköpings län",
        "4530": "Bidrag SAMTEAM Burlöv",
        "4590": "Övriga bidrag",
        "5110": "Löner kansli",
        "6420": "Revision",
        "7090": "Övriga kostnader",
        "8440": "Ränteintäkter",
        "8570": "Bankkostnader",
    }
    assert suggest_mapping(accounts, LINES) == {
        "3010": "fk",
        "3020": "region",
        "4530": "samteam",
        "4590": "samteam",  # 45xx is bidrag in Kommun-Bas: the interventions
        "5110": "kansli",
        "6420": "revision",
        "7090": "kansli",
        "8440": "ranta",
        "8570": "bank",
    }


def test_bas_accounts_by_number_and_what_fits_nothing_stays_unmapped():
    accounts = {
        "3990": "Övriga ersättningar",
        "4010": "Inköp material",
        "5010": "Lokalhyra",
        "7010": "Löner till kollektivanställda",
        "8310": "Ränteintäkter från omsättningstillgångar",
        "8410": "Räntekostnader",
    }
    lines = [line for line in LINES if line.key not in ("ranta",)]
    assert suggest_mapping(accounts, lines) == {
        "3990": None,  # no other income line in this budget: listed as unmapped
        "4010": "bank",
        "5010": "kansli",
        "7010": "kansli",
        "8310": None,
        "8410": "bank",
    }


# --- point 4: the follow-up's figures and findings --------------------------------------

from decimal import Decimal  # noqa: E402

from budgets.followup import (  # noqa: E402
    AccountRange,
    actuals_by_line,
    follow_up,
    follow_up_findings,
    forecast,
    forecast_year,
)


def test_actuals_by_line_turn_the_bookkeepings_credit_into_income_and_keep_the_unmapped():
    mappings = [AccountRange("3010", "3019", "fk"), AccountRange("5000", "5999", "kansli")]
    totals = {
        "3010": Decimal("-500000"),
        "5110": Decimal("41000"),
        "5120": Decimal("9000"),
        "6420": Decimal("12500"),
    }
    by_line, unmapped = actuals_by_line(totals, mappings, LINES)
    assert by_line == {"fk": Decimal("500000"), "kansli": Decimal("50000")}
    assert unmapped == {"6420": Decimal("12500")}


def test_the_three_forecasts():
    # Half a year gone, 40 000 kr of a 100 000 kr budget used.
    budget, actual = Decimal("100000"), Decimal("40000")
    assert forecast(budget, actual, 6, "remaining") == Decimal("90000")
    assert forecast(budget, actual, 6, "run_rate") == Decimal("80000")
    assert forecast(budget, actual, 6, "entered", Decimal("95000")) == Decimal("95000")
    assert forecast(budget, actual, 6, "entered") == Decimal("90000")  # none entered
    assert forecast(budget, Decimal(0), 0, "run_rate") == budget


def test_the_follow_up_with_its_deviation_result_equity_and_findings():
    lines = [LINES[0], LINES[3], LINES[4]]  # fk (income), samteam, kansli
    budgets = {"fk": Decimal("1000000"), "samteam": Decimal("600000"), "kansli": Decimal("400000")}
    actual = {"fk": Decimal("500000"), "samteam": Decimal("480000"), "kansli": Decimal("200000")}
    rows = {r.line.key: r for r in follow_up(lines, budgets, actual, 6)}
    samteam = rows["samteam"]
    assert (samteam.used_percent, samteam.expected) == (Decimal("80.00"), Decimal("300000.00"))
    assert samteam.forecast == Decimal("780000.00")
    assert (samteam.deviation, samteam.deviation_percent) == (
        Decimal("180000.00"),
        Decimal("30.00"),
    )
    year = forecast_year(list(rows.values()), opening_equity=Decimal("100000"))
    assert (year.income, year.costs, year.result) == (
        Decimal("1000000.00"),
        Decimal("1180000.00"),
        Decimal("-180000.00"),
    )
    assert year.closing_equity == Decimal("-80000.00")
    findings = follow_up_findings(
        2026,
        list(rows.values()),
        year,
        6,
        equity_cap=None,
        equity_floor=Decimal("50000"),
        unmapped={"6420": Decimal("12500")},
    )
    messages = [f.message.replace("\u00a0", " ").replace("\u2212", "-") for f in findings]
    assert messages == [
        "Prognosen för 2026 är ett underskott på 180 000 kr.",
        "Enligt prognosen blir det egna kapitalet negativt vid utgången av 2026: -80 000 kr.",
        "SAMTEAM Burlöv har använt 80 % av årets budget när 50 % av året har gått.",
        "Konto 6420 har ett utfall på 12 500 kr men är inte kopplat till någon budgetrad.",
    ]
    assert [f.severity for f in findings] == ["warning", "error", "warning", "warning"]


def test_a_line_with_actuals_but_no_budget_and_equity_over_the_cap():
    lines = [LINES[0], LINES[6]]
    rows = follow_up(
        lines, {"fk": Decimal("1000")}, {"fk": Decimal("500"), "bank": Decimal("40")}, 6
    )
    year = forecast_year(rows, opening_equity=Decimal("900"))
    findings = follow_up_findings(
        2026, rows, year, 6, equity_cap=Decimal("1000"), equity_floor=None, unmapped={}
    )
    messages = [f.message.replace("\u00a0", " ") for f in findings]
    assert messages == [
        "Enligt prognosen blir det egna kapitalet 1 860 kr vid utgången av 2026, över taket på 1 000 kr.",
        "Bankkostnader har ett utfall på 40 kr men ingen budget för året.",
    ]
