"""Issue 18, point 1: SIE files read as the accounting programs write them, against the
real exports (copies of ../shared/sie/ in tests/budgets/sie/) and against files made for each rule."""

from __future__ import annotations

import zlib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from budgets.sie import SieError, parse, read_actuals, records

SIE_DIR = Path(__file__).resolve().parent / "sie"  # copies of ../shared/sie/
NBSP = "\u00a0"


def sie(body: str, *, head: str | None = None) -> bytes:
    """A made file, PC8 like a real one."""
    if head is None:
        head = (
            '#FLAGGA 0\n#PROGRAM "Testbok" 1.0\n#FORMAT PC8\n#SIETYP 4\n'
            '#FNAMN "Samordningsförbundet Test"\n#RAR 0 20260101 20261231\n'
            '#RAR -1 20250101 20251231\n#KONTO 3010 "Medlemsbidrag stat"\n'
            '#KONTO 5410 "Förbrukningsinventarier"\n#KONTO 7010 "Löner"\n'
        )
    return (head + body).encode("cp437")


def flat(text: str) -> str:
    return text.replace(NBSP, " ").replace("\u2212", "-")


@pytest.fixture(scope="module")
def real():
    files = {path.name: path.read_bytes() for path in SIE_DIR.glob("*.[sS][eE]")}
    assert len(files) == 4
    return files


# --- the real exports -----------------------------------------------------------------


def test_sie4_vouchers_name_the_rows_on_no_account_and_the_res_that_disagrees(real):
    actuals = read_actuals(real["Sie4.se"])
    assert (actuals.program, actuals.company) == (
        "SoftOne Business Redovisning 2016.SV.02",
        "Demoföretaget AB",
    )
    assert (actuals.start, actuals.end, actuals.source) == (
        date(2014, 1, 1),
        date(2014, 12, 31),
        "vouchers",
    )
    assert actuals.unbalanced == []  # the FEL rows balance their vouchers
    # 4010: the vouchers give 19 034.40 kr, the file's #RES 67 034.40 kr: the total is
    # the file's, and the difference is named with both figures.
    assert actuals.accounts["4010"].total == Decimal("67034.40")
    assert sum(actuals.accounts["4010"].months.values()) == Decimal("19034.40")
    warnings = [flat(w) for w in actuals.warnings]
    assert (
        "Konto 4010: verifikationerna ger 19 034,40 kr men filens årssaldo (#RES) anger "
        "67 034,40 kr; skillnaden är 48 000 kr." in warnings
    )
    fel = [w for w in warnings if "”FEL”" in w]
    assert fel and all("inte är ett kontonummer" in w for w in fel)
    assert (
        "Verifikation 1 7 (2014-01-13) har en rad på ”FEL”, som inte är ett kontonummer: 487,38 kr (rad 721). Den är inte med i utfallet."
        in warnings
    )
    # Only result accounts, and the names as the file has them (CP437: "ö").
    assert all(3000 <= int(a) <= 8999 for a in actuals.accounts)
    assert actuals.accounts["3014"].name == "Försäljning momsfri"


def test_typ2_period_balances_when_there_are_no_vouchers(real):
    actuals = read_actuals(real["typ2.se"])
    assert actuals.source == "period_balances" and actuals.unbalanced == []
    sales = actuals.accounts["3010"]
    assert sales.months == {"2012-01": Decimal("-9262.50"), "2012-02": Decimal("-147505.00")}
    assert sales.total == Decimal("-156767.50")  # = its #RES
    assert actuals.company == "Övningsföretaget AB"
    # No warning: every #RES agrees with its months.
    assert actuals.warnings == []


def test_magenta_4e_reads_vouchers_and_agrees_with_its_res(real):
    actuals = read_actuals(real["magenta_bokforing_SIE4E.se"])
    assert actuals.source == "vouchers" and actuals.unbalanced == [] and actuals.warnings == []
    assert actuals.accounts["3010"].total == Decimal("-54116.00")


def test_bl_broken_year_with_rtrans_and_btrans(real):
    actuals = read_actuals(real["BL0001_typ4.SE"])
    assert (actuals.start, actuals.end) == (date(2009, 7, 1), date(2010, 6, 30))
    assert actuals.unbalanced == [] and actuals.warnings == []
    assert actuals.accounts["3010"].months["2009-11"] == Decimal("-1000.00")


def test_the_json_answer_has_the_documented_shape(real):
    answer = read_actuals(real["typ2.se"]).as_json()
    assert list(answer) == [
        "program",
        "company",
        "fiscal_year",
        "accounts",
        "unbalanced",
        "warnings",
    ]
    assert answer["fiscal_year"] == {"start": "2012-01-01", "end": "2012-12-31"}
    assert answer["accounts"]["3010"] == {
        "name": "Försäljning material",
        "months": {"2012-01": "-9262.50", "2012-02": "-147505.00"},
        "total": "-156767.50",
    }
    assert answer["accounts"]["5010"]["total"] == "25000.00"


# --- made files, one rule each ------------------------------------------------------------


def test_rtrans_counts_once_and_btrans_not_at_all():
    actuals = read_actuals(
        sie(
            '#VER A 1 20260115 "Inköp"\n{\n'
            "#TRANS 5410 {} 1000.00\n"
            "#TRANS 1930 {} -1000.00\n"
            '#BTRANS 5410 {} 1000.00 20260201 "" "" "Anna"\n'
            "#BTRANS 1930 {} -1000.00 20260201\n"
            '#RTRANS 5410 {} 1500.00 20260201 "" "" "Anna"\n'
            "#TRANS 5410 {} 1500.00 20260115\n"
            "#RTRANS 1930 {} -1500.00 20260201\n"
            "#TRANS 1930 {} -1500.00 20260115\n"
            "}\n"
        )
    )
    assert actuals.unbalanced == []
    assert actuals.accounts["5410"].months == {"2026-01": Decimal("2500.00")}


def test_an_unbalanced_voucher_is_named_with_series_number_date_and_difference():
    actuals = read_actuals(
        sie(
            '#VER B 17 20260310 "Fel"\n{\n#TRANS 7010 {} 30000\n#TRANS 1930 {} -29000\n}\n'
            '#VER B 18 20260311 "Rätt"\n{\n#TRANS 7010 {} 100\n#TRANS 1930 {} -100\n}\n'
        )
    )
    assert [(u.series, u.number, u.date, u.difference) for u in actuals.unbalanced] == [
        ("B", "17", "2026-03-10", Decimal("1000"))
    ]
    assert flat(actuals.unbalanced[0].message()) == (
        "Verifikation B 17 (2026-03-10) går inte ihop: raderna summerar till 1 000 kr, inte 0 kr."
    )


def test_period_balance_rows_with_objects_are_not_added_to_the_total():
    actuals = read_actuals(
        sie(
            "#PSALDO 0 202601 7010 {} 50000.00\n"
            '#PSALDO 0 202601 7010 {1 "10"} 30000.00\n'
            '#PSALDO 0 202601 7010 {1 "20"} 20000.00\n'
            "#PSALDO 0 202602 7010 { } 51000.00\n"
            "#PSALDO -1 202512 7010 {} 99999.00\n"
            "#RES 0 7010 101000.00\n"
        )
    )
    assert actuals.source == "period_balances"
    assert actuals.accounts["7010"].months == {
        "2026-01": Decimal("50000.00"),
        "2026-02": Decimal("51000.00"),
    }
    assert actuals.accounts["7010"].total == Decimal("101000.00") and actuals.warnings == []


def test_a_broken_year_rar_gives_its_months_across_the_new_year():
    head = '#SIETYP 4\n#RAR 0 20250701 20260630\n#KONTO 7010 "Löner"\n'
    actuals = read_actuals(
        sie(
            '#VER A 1 20251231 ""\n{\n#TRANS 7010 {} 10\n#TRANS 1930 {} -10\n}\n'
            '#VER A 2 20260101 ""\n{\n#TRANS 7010 {} 20\n#TRANS 1930 {} -20\n}\n',
            head=head,
        )
    )
    assert (actuals.start, actuals.end) == (date(2025, 7, 1), date(2026, 6, 30))
    assert actuals.accounts["7010"].months == {"2025-12": Decimal("10"), "2026-01": Decimal("20")}


def _with_checksum(body: str) -> bytes:
    """A file with #KSUMMA at both ends, its sum as the reader counts it."""
    content = sie(body)
    crc = 0
    for record in records(content.decode("cp437")):
        crc = zlib.crc32((record.checksum_text or record.tag).encode("cp437"), crc)
    return b"#KSUMMA\n" + content + f"#KSUMMA {crc}\n".encode()


def test_a_checksum_that_holds_is_quiet_and_one_that_does_not_is_a_warning():
    body = '#VER A 1 20260115 "Lön"\n{\n#TRANS 7010 {} 100.00\n#TRANS 1930 {} -100.00\n}\n'
    good = _with_checksum(body)
    assert read_actuals(good).warnings == []
    tampered = good.replace(b"100.00", b"900.00")
    warnings = read_actuals(tampered).warnings
    assert len(warnings) == 1 and warnings[0].startswith("Kontrollsumman (#KSUMMA) stämmer inte")
    no_end = read_actuals(b"#KSUMMA\n" + sie(body)).warnings
    assert no_end == ["Filen har #KSUMMA men ingen kontrollsumma i slutet."]


def test_a_bad_name_an_unknown_tag_and_odd_fields_never_crash():
    head = (
        "#SIETYP 4\n#RAR 0 20260101 20261231\n"
        '#KONTO 7010 "L\xc3\xb6ner \\"fasta\\"\n'  # UTF-8 bytes read as PC8, and no end quote
        '#KONTO 5410 "\x00\x01"\n'.replace("\x00", "")
        + "#NYTTIG 1 2 3\n#KONTO\n#RES\n#PSALDO 0 2026 7010\n"
    )
    data = head.encode("latin-1") + (
        b'#VER A 1 20260115 "Ok\\"ej"\n{\n#TRANS 7010 {1 "10 6 "x"} 100\n#TRANS 1930 {} -100\n'
        b"#TRANS 1930 {} tio\n}\n"
    )
    actuals = read_actuals(data)
    assert actuals.accounts["7010"].name.startswith("L")
    assert actuals.accounts["7010"].total == Decimal("100")
    assert any("beloppet ”tio” kan inte läsas" in w for w in actuals.warnings)
    assert any("#PSALDO kan inte läsas" in w for w in actuals.warnings)


def test_a_file_written_as_utf8_is_read_as_utf8_with_a_warning():
    data = sie("").decode("cp437").encode("utf-8")
    parsed = parse(data)
    assert parsed.company == "Samordningsförbundet Test"
    assert parsed.warnings and "UTF-8" in parsed.warnings[0]


def test_quoted_fields_and_object_lists():
    (record,) = [
        r
        for r in records('#TRANS 6010 {"1" "1" "6" "1"} 4800.00 20140114 "137 \\"Hebe\\" AB"')
        if r.tag == "#TRANS"
    ]
    assert record.fields[1] == ("1", "1", "6", "1")
    assert record.fields[4].text == '137 "Hebe" AB'


def test_no_fiscal_year_or_not_text_is_refused_in_swedish():
    with pytest.raises(SieError, match="räkenskapsår 0"):
        parse(b"#FLAGGA 0\n#SIETYP 4\n")
    with pytest.raises(SieError, match="inte text"):
        parse(b"\x00\x01\x02#RAR 0 20260101 20261231")


def test_a_voucher_outside_the_year_is_not_counted_and_is_said():
    actuals = read_actuals(
        sie('#VER A 1 20250115 ""\n{\n#TRANS 7010 {} 100\n#TRANS 1930 {} -100\n}\n')
    )
    assert "7010" not in actuals.accounts
    assert "utanför räkenskapsåret" in actuals.warnings[0]


def test_the_benchmarks_file_is_a_balanced_megabyte():
    """make bench times the import of tests/bench.py's file; it must be a real one."""
    from tests.bench import sie_file

    content = sie_file(2026)
    assert len(content) >= 1_000_000
    actuals = read_actuals(content)
    assert actuals.unbalanced == [] and actuals.warnings == []
    assert len(actuals.accounts) == 40
