"""Issue 18, point 2: python manage.py import_sie SLUG FILE [--dry-run] [--json]."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from budgets.models import AccountMapping, ActualsImport
from tests.budgets.test_sie import SIE_DIR
from tests.plans.conftest import decide, fake_pdf, import_demo  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
BURLOV = "burlov-kavlinge-staffanstorp-vellinge-2024"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_sie", *args, stdout=out)
    return out.getvalue()


def made_file(tmp_path, body: str, year: int = 2024):
    path = tmp_path / "bokforing.se"
    path.write_bytes(
        (
            f'#FLAGGA 0\n#PROGRAM "Visma Förening" 1\n#FORMAT PC8\n#SIETYP 4\n'
            f'#FNAMN "Samordningsförbundet"\n#RAR 0 {year}0101 {year}1231\n'
            '#KONTO 3010 "Bidrag Försäkringskassan"\n#KONTO 7010 "Löner kansli"\n' + body
        ).encode("cp437")
    )
    return path


BALANCED = (
    '#VER A 1 20240131 "Lön"\n{\n#TRANS 7010 {} 41000.00\n#TRANS 1930 {} -41000.00\n}\n'
    '#VER A 2 20240215 "Bidrag"\n{\n#TRANS 1930 {} 500000\n#TRANS 3010 {} -500000\n}\n'
)


def test_dry_run_json_reads_a_real_file_without_a_mapping_or_a_plan():
    budget, _ = import_demo(BURLOV)
    answer = json.loads(
        run(budget.federation.slug, str(SIE_DIR / "typ2.se"), "--dry-run", "--json")
    )
    assert answer["fiscal_year"] == {"start": "2012-01-01", "end": "2012-12-31"}
    assert answer["accounts"]["3010"]["total"] == "-156767.50"
    assert answer["unbalanced"] == [] and answer["warnings"] == []
    assert not ActualsImport.objects.exists()


def test_an_unbalanced_voucher_refuses_the_whole_file_and_writes_nothing(tmp_path):
    budget, _ = import_demo(BURLOV)
    AccountMapping.objects.create(
        federation=budget.federation, first_account="7010", last_account="7010", line_key="kansli"
    )
    path = made_file(
        tmp_path,
        BALANCED + '#VER B 9 20240301 "Fel"\n{\n#TRANS 7010 {} 100\n#TRANS 1930 {} -90\n}\n',
    )
    with pytest.raises(CommandError) as refused:
        run(budget.federation.slug, str(path))
    message = str(refused.value).replace("\u00a0", " ")
    assert "Verifikation B 9 (2024-03-01) går inte ihop: raderna summerar till 10 kr" in message
    assert "Inget är sparat" in message
    assert not ActualsImport.objects.exists()
    # --dry-run says the same and writes nothing either.
    with pytest.raises(CommandError, match="Verifikation B 9"):
        run(budget.federation.slug, str(path), "--dry-run")


def test_an_import_needs_a_mapping_and_the_years_budget(tmp_path):
    budget, _ = import_demo(BURLOV)
    with pytest.raises(CommandError, match="inte kopplat några konton"):
        run(budget.federation.slug, str(made_file(tmp_path, BALANCED)))
    AccountMapping.objects.create(
        federation=budget.federation, first_account="7010", last_account="7019", line_key="kansli"
    )
    with pytest.raises(CommandError, match="ingen budget för 2019"):
        run(budget.federation.slug, str(made_file(tmp_path, BALANCED, year=2019)))
    with pytest.raises(CommandError, match="hör inte till något planår"):
        run(budget.federation.slug, str(SIE_DIR / "BL0001_typ4.SE"))
    assert not ActualsImport.objects.exists()


def test_an_import_is_stored_with_its_months_and_the_latest_counts(tmp_path):
    budget, _ = import_demo(BURLOV)
    AccountMapping.objects.create(
        federation=budget.federation, first_account="7010", last_account="7019", line_key="kansli"
    )
    out = run(budget.federation.slug, str(made_file(tmp_path, BALANCED)))
    assert "Utfallet för 2024 är inläst" in out and "till och med 2024-02" in out
    record = ActualsImport.objects.get()
    assert (record.year, record.last_month, record.source) == (2024, "2024-02", "vouchers")
    accounts = {a.account: a for a in record.accounts.all()}
    assert accounts["7010"].months == {"2024-01": "41000.00"}
    assert accounts["3010"].total == Decimal("-500000")


def test_unknown_federation_and_missing_file_are_said_in_swedish(tmp_path):
    with pytest.raises(CommandError, match="inget förbund 'finns-ej'"):
        run("finns-ej", str(tmp_path / "x.se"))
    budget, _ = import_demo(BURLOV)
    with pytest.raises(CommandError, match="kan inte läsas"):
        run(budget.federation.slug, str(tmp_path / "saknas.se"))


@pytest.mark.usefixtures("fake_pdf")
def test_actuals_for_an_adopted_year_change_nothing_the_board_adopted(tmp_path):
    """The follow-up comes after the decision: the import adds actuals beside the
    adopted plan, and its snapshot, plan and budget stay as they were."""
    from budgets.models import Amount
    from plans.models import Plan, Snapshot
    from tests.factories import UserFactory

    budget, _ = import_demo(BURLOV)
    plan = Plan.objects.get(federation=budget.federation, year=2024)
    decide(plan, UserFactory(), on=date(2023, 11, 20), reference="dnr 2023:12")
    plan.refresh_from_db()
    assert plan.status == "decided"
    snapshot = Snapshot.objects.filter(plan=plan).values().first()
    assert snapshot is not None
    amounts = sorted(Amount.objects.filter(line__budget=budget).values_list("pk", "amount"))
    AccountMapping.objects.create(
        federation=budget.federation, first_account="3000", last_account="8999", line_key="kansli"
    )
    run(budget.federation.slug, str(made_file(tmp_path, BALANCED)))
    assert ActualsImport.objects.filter(federation=budget.federation, year=2024).count() == 1
    plan.refresh_from_db()
    assert plan.status == "decided"
    assert Snapshot.objects.filter(plan=plan).values().first() == snapshot
    assert sorted(Amount.objects.filter(line__budget=budget).values_list("pk", "amount")) == amounts
