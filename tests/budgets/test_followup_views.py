"""Issue 18, points 3–5: the follow-up's pages. Import an SIE file, map its accounts,
follow the year, comment, and send the board's report (frozen)."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from budgets.models import (
    AccountMapping,
    ActualsImport,
    Amount,
    FollowUp,
    FollowUpRecord,
)
from budgets.services import budget_roll_forward
from finsam.roles import Role
from plans.models import FrozenRecord
from tests.conftest import _user_with_role
from tests.plans.conftest import fake_pdf, import_demo  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
BURLOV = "burlov-kavlinge-staffanstorp-vellinge-2024"


def sie_2024(*, balanced: bool = True, year: int = 2024) -> bytes:
    cost = "-170000.00" if balanced else "-169000.00"
    return (
        (
            '#FLAGGA 0\n#PROGRAM "Visma Förening" 1\n#FORMAT PC8\n#SIETYP 4\n'
            '#FNAMN "Samordningsförbundet Burlöv"\n#RAR 0 20240101 20241231\n'
            '#KONTO 3010 "Bidrag Försäkringskassan"\n#KONTO 5010 "Löner anställda"\n'
            '#KONTO 4550 "Bidrag SAMTEAM Burlöv"\n#KONTO 6990 "Övrigt konstigt"\n'
            '#VER A 1 20240131 "Lön januari"\n{\n#TRANS 5010 {} 170000.00\n'
            f"#TRANS 1930 {{}} {cost}\n}}\n"
            '#VER A 2 20240215 "Bidrag"\n{\n#TRANS 1930 {} 1000000\n#TRANS 3010 {} -1000000\n}\n'
            '#VER A 3 20240601 "SAMTEAM"\n{\n#TRANS 4550 {} 400000\n#TRANS 1930 {} -400000\n}\n'
            '#VER A 4 20240610 "Okänt"\n{\n#TRANS 6990 {} 1234.50\n#TRANS 1930 {} -1234.50\n}\n'
        )
        .replace("2024", str(year))
        .encode("cp437")
    )


@pytest.fixture
def burlov(client):
    budget, _ = import_demo(BURLOV)
    director = _user_with_role(budget.federation, Role.DIRECTOR, "chef")
    client.force_login(director)
    return budget


def url(name: str, budget, *args) -> str:
    return reverse(name, args=[budget.federation.slug, budget.year, *args])


def upload(client, budget, content: bytes, name: str = "bokforing.se"):
    return client.post(url("follow_up_import", budget), {"file": SimpleUploadedFile(name, content)})


def map_suggested(client, budget):
    page = client.get(url("follow_up_mapping", budget))
    choices = {f"line-{row['account'].account}": row["key"] or "-" for row in page.context["rows"]}
    saved = client.post(url("follow_up_mapping", budget), choices)
    client.get(saved["Location"])  # where she lands: the follow-up
    return page, saved


def test_import_then_map_then_follow_up(client, burlov):
    answer = upload(client, burlov, sie_2024())
    assert answer.status_code == 302
    assert answer["Location"] == url("follow_up_mapping", burlov)
    assert ActualsImport.objects.get().last_month == "2024-06"

    page, saved = map_suggested(client, burlov)
    suggested = {row["account"].account: row["key"] for row in page.context["rows"]}
    assert suggested["3010"] == "staten"  # Försäkringskassan
    assert suggested["5010"] in {"anstallda", "sociala-avgifter"}  # personnel in Kommun-Bas
    assert suggested["4550"] == "samteam-burlov"
    assert saved.status_code == 302
    assert AccountMapping.objects.filter(federation=burlov.federation).count() >= 3

    sheet = client.get(url("follow_up", burlov)).context["sheet"]
    assert sheet.title == "Ekonomisk uppföljning per 30 juni 2024"
    by_key = {row.line.key: row for row in sheet.rows}
    assert by_key["staten"].actual == Decimal("1000000.00")  # income's sign turned
    assert by_key["samteam-burlov"].actual == Decimal("400000.00")
    # Half the year gone: the remaining budget's half added to the actual.
    assert by_key["samteam-burlov"].forecast == Decimal("400000.00") + Decimal("225000.00")
    html = client.get(url("follow_up", burlov)).content.decode()
    assert "1\u00a0000\u00a0000\u00a0kr" in html
    assert "ansvarar" not in html and "2024:budget" not in html


def test_an_unmapped_account_is_listed_with_its_amount(client, burlov):
    upload(client, burlov, sie_2024())
    page = client.get(url("follow_up_mapping", burlov))
    choices = {f"line-{row['account'].account}": "-" for row in page.context["rows"]}
    choices["line-3010"] = "staten"
    client.post(url("follow_up_mapping", burlov), choices)
    html = client.get(url("follow_up", burlov)).content.decode()
    assert "Konto 6990 har ett utfall på 1\u00a0234,50\u00a0kr men är inte kopplat" in html


def test_the_mapping_is_remembered_for_the_next_import(client, burlov):
    upload(client, burlov, sie_2024())
    page = client.get(url("follow_up_mapping", burlov))
    choices = {f"line-{row['account'].account}": "-" for row in page.context["rows"]}
    choices["line-6990"] = "kommunikation"
    client.post(url("follow_up_mapping", burlov), choices)
    upload(client, burlov, sie_2024(), name="juli.se")
    rows = client.get(url("follow_up_mapping", burlov)).context["rows"]
    chosen = {row["account"].account: (row["key"], row["suggested"]) for row in rows}
    assert chosen["6990"] == ("kommunikation", False)
    assert chosen["3010"] == (None, False) or chosen["3010"][1] is True


def test_an_unbalanced_file_is_refused_with_the_voucher_and_nothing_stored(client, burlov):
    answer = upload(client, burlov, sie_2024(balanced=False))
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "Filen lästes inte in" in html and "A 1" in html
    assert not ActualsImport.objects.exists()


def test_a_file_for_another_year_is_refused(client, burlov):
    answer = upload(client, burlov, sie_2024().replace(b"20240101 20241231", b"20230101 20231231"))
    assert answer.status_code == 400
    assert "inte 2024" in answer.content.decode()
    assert not ActualsImport.objects.exists()


def test_a_bad_forecast_keeps_what_she_typed(client, burlov):
    upload(client, burlov, sie_2024())
    map_suggested(client, burlov)
    version = FollowUp.objects.get().version
    answer = client.post(
        url("follow_up", burlov),
        {
            "version": version,
            "method": "entered",
            "forecast-aktiv": "tolv kronor",
            "comment-aktiv": "Start i augusti",
            "comment": "Helheten",
        },
    )
    assert answer.status_code == 400
    html = answer.content.decode()
    assert 'value="tolv kronor"' in html and "Start i augusti" in html and "Helheten" in html
    assert FollowUp.objects.get().version == version  # nothing saved


def test_entered_forecast_and_comments_are_saved_and_a_stale_save_refused(client, burlov):
    upload(client, burlov, sie_2024())
    map_suggested(client, burlov)
    follow = FollowUp.objects.get()
    post = {
        "version": follow.version,
        "method": "entered",
        "forecast-aktiv": "90 000",
        "comment-aktiv": "Färre deltagare än planerat",
    }
    assert client.post(url("follow_up", burlov), post).status_code == 302
    follow.refresh_from_db()
    assert follow.forecasts == {"aktiv": "90000"}
    assert follow.comments == {"aktiv": "Färre deltagare än planerat"}
    sheet = client.get(url("follow_up", burlov)).context["sheet"]
    assert {r.line.key: r.forecast for r in sheet.rows}["aktiv"] == Decimal("90000")
    stale = client.post(url("follow_up", burlov), {**post, "comment-aktiv": "Annan text"})
    assert stale.status_code == 409
    assert "Annan text" in stale.content.decode()
    follow.refresh_from_db()
    assert follow.comments == {"aktiv": "Färre deltagare än planerat"}


def test_sending_the_report_freezes_it(client, burlov, fake_pdf):  # noqa: F811
    upload(client, burlov, sie_2024())
    map_suggested(client, burlov)
    follow = FollowUp.objects.get()
    client.post(
        url("follow_up", burlov),
        {"version": follow.version, "method": "remaining", "comment-aktiv": "Sen start"},
    )
    follow.refresh_from_db()
    report = client.get(url("follow_up_report", burlov, follow.month))
    assert report.status_code == 200
    assert "Ekonomisk uppföljning per 30 juni 2024" in report.content.decode()
    assert "Sen start" in report.content.decode()
    sent = client.post(url("follow_up_send", burlov, follow.month), {"version": follow.version})
    assert sent.status_code == 302
    frozen = FollowUpRecord.objects.get()
    assert frozen.pdf_sha256 == hashlib.sha256(bytes(frozen.pdf)).hexdigest()
    assert frozen.data_sha256 == hashlib.sha256(frozen.data.encode()).hexdigest()
    data = json.loads(frozen.data)
    assert data["as_of"] == "2024-06-30"
    assert {line["key"]: line["comment"] for line in data["lines"]}["aktiv"] == "Sen start"

    pdf = client.get(url("follow_up_report_pdf", burlov, follow.month))
    assert b"".join(pdf.streaming_content if pdf.streaming else [pdf.content]) == bytes(frozen.pdf)
    assert pdf["X-Content-SHA256"] == frozen.pdf_sha256
    # Nothing she does now changes what was sent.
    again = client.post(
        url("follow_up", burlov),
        {"version": follow.version + 0, "method": "run_rate", "comment-aktiv": "Ändrat"},
    )
    assert again.status_code == 409
    assert json.loads(FollowUpRecord.objects.get().data) == data
    resend = client.post(url("follow_up_send", burlov, follow.month), {"version": follow.version})
    assert resend.status_code == 302 and FollowUpRecord.objects.count() == 1
    with pytest.raises(FrozenRecord):
        frozen.save()
    with pytest.raises(FrozenRecord):
        frozen.delete()


def test_the_forecast_becomes_next_years_prognos_column(client, burlov, fake_pdf):  # noqa: F811
    budget_roll_forward(federation_id=burlov.federation_id, source_year=2024, by=None)
    upload(client, burlov, sie_2024())
    map_suggested(client, burlov)
    follow = FollowUp.objects.get()
    client.post(url("follow_up_send", burlov, follow.month), {"version": follow.version})
    forecast = Amount.objects.get(
        line__budget__year=2025, line__key="samteam-burlov", column__year=2024
    )
    assert forecast.column.kind == "forecast"
    assert forecast.amount == Decimal("625000.00")


def test_another_federations_follow_up_answers_404(client, burlov, other_federation):
    outsider = _user_with_role(other_federation, Role.DIRECTOR, "annan")
    client.force_login(outsider)
    for name in ("follow_up", "follow_up_mapping"):
        assert client.get(url(name, burlov)).status_code == 404
    assert upload(client, burlov, sie_2024()).status_code == 404
    assert not ActualsImport.objects.exists()


def test_a_viewer_sees_but_may_not_import(client, burlov):
    viewer = _user_with_role(burlov.federation, Role.VIEWER, "tittare")
    client.force_login(viewer)
    assert client.get(url("follow_up", burlov)).status_code == 200
    assert upload(client, burlov, sie_2024()).status_code in (403, 404)
    assert not ActualsImport.objects.exists()
