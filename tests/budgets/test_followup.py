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
