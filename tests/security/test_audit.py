"""The audit log: every write of finsam and budgets, every export and every
failed login leaves an AuditEntry; nobody can change or delete one."""

from __future__ import annotations

import io
import logging
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from budgets import services as budget_services
from budgets.excel import export_xlsx
from budgets.grid import stored_draft
from budgets.selectors import budget_facts
from documents.bundle import importer
from finsam import services
from finsam.models import AuditEntry
from tests.budgets.conftest import BUNDLE
from tests.budgets.test_views import make_budget

pytestmark = pytest.mark.django_db


def _last(action: str) -> AuditEntry:
    return AuditEntry.objects.filter(action=action).latest("id")


def test_core_services_record_who_changed_what(director, federation):
    services.federation_update(
        federation=federation,
        by=director,
        name="Nytt namn",
        equity_cap_percent=Decimal(15),
        municipal_split="equal",
    )
    entry = _last("ändrade förbundet")
    assert (entry.actor, entry.actor_name, entry.federation) == (director, "director", federation)
    assert entry.changes["name"] == ["Samordningsförbundet Alfa", "Nytt namn"]
    assert [Decimal(v) for v in entry.changes["equity_cap_percent"]] == [20, 15]
    assert "org_number" not in entry.changes  # only what changed

    member = services.member_create(
        federation=federation,
        by=director,
        key="c",
        name="C kommun",
        kind="municipality",
        population=100,
    )
    assert _last("lade till medlemmen").changes["name"] == "C kommun"
    services.member_update(
        member=member, by=director, key="c", name="C stad", kind="municipality", population=100
    )
    assert _last("ändrade medlemmen").changes == {"name": ["C kommun", "C stad"]}
    seat = services.seat_create(member=member, by=director, person="Per", role="ledamot")
    assert _last("lade till styrelseplatsen").federation == federation
    services.seat_update(
        seat=seat, by=director, member=member, person="Per Persson", role="ledamot"
    )
    assert _last("ändrade styrelseplatsen").changes == {"person": ["Per", "Per Persson"]}
    services.seat_delete(seat=seat, by=director)
    assert _last("tog bort styrelseplatsen").object.startswith("Per Persson")
    services.member_delete(member=member, by=director)
    assert _last("tog bort medlemmen").object == "C stad"


def test_budget_services_record_who_changed_what(director, federation):
    budget = make_budget(federation)
    draft = stored_draft(budget_facts(budget), budget, None)
    next(line for line in draft.lines if line.key == "kansli").amounts["2021:budget"] = Decimal(
        "900000.50"
    )
    draft.lines = [line for line in draft.lines if line.key != "enter"]
    budget_services.budget_save(budget=budget, draft=draft, expected_version=1, by=director)
    entry = _last("sparade budgeten")
    assert entry.actor == director and entry.federation == federation
    assert entry.changes["version"] == [1, 2]
    assert entry.changes["cells"]["kansli 2021:budget"] == ["935000.00", "900000.50"]
    assert entry.changes["removed_lines"] == ["enter"]

    scenario = budget_services.scenario_create(budget=budget, name="Utan projekt", by=director)
    budget_services.scenario_rename(scenario=scenario, name="Utan ESF", by=director)
    assert _last("bytte namn på scenariot").changes["name"] == ["Utan projekt", "Utan ESF"]
    budget_services.scenario_delete(scenario=scenario, by=director)
    assert _last("tog bort scenariot").object == "Utan ESF"
    budget_services.contributions_fill(
        budget=budget, column="2022:plan", amounts={"fk": Decimal(1000)}, by=director
    )
    assert _last("fyllde i medlemsbidrag").changes["amounts"] == {"fk": "1000"}


def test_bundle_import_and_export_are_recorded(db):
    budget = importer.bundle_import(data=BUNDLE)
    entry = _last("importerade planpaket")
    assert entry.federation == budget.federation and entry.actor is None
    call_command("export_bundle", budget.federation.slug, str(budget.year), stdout=StringIO())
    assert _last("exporterade planpaket").changes == {"year": budget.year, "via": "export_bundle"}


def test_excel_export_and_import_are_recorded(client, director, federation):
    budget = make_budget(federation)
    client.force_login(director)
    client.get(reverse("budget_excel_export", args=[federation.slug, budget.year]))
    assert _last("exporterade budgeten till Excel").actor == director
    upload = io.BytesIO(export_xlsx(budget))
    upload.name = "budget.xlsx"
    response = client.post(
        reverse("budget_excel_import", args=[federation.slug, budget.year]), {"file": upload}
    )
    assert response.status_code == 302
    assert _last("importerade budgeten från Excel").changes["file"] == "budget.xlsx"
    assert _last("sparade budgeten").actor == director


def test_downloads_of_the_plan_report_and_adopted_files_are_recorded(
    client, director, federation, monkeypatch
):
    from datetime import date

    import documents.pdf
    from plans.models import Plan, Snapshot

    monkeypatch.setattr(documents.pdf, "html_to_pdf", lambda html, **kw: b"%PDF-fake")
    budget = make_budget(federation)
    plan = Plan.objects.create(federation=federation, year=budget.year, title="Plan")
    client.force_login(director)
    args = [federation.slug, budget.year]
    assert client.get(reverse("plan_pdf", args=args)).status_code == 200
    assert client.head(reverse("plan_pdf", args=args)).status_code == 200  # HEAD is no download
    assert AuditEntry.objects.filter(action="laddade ned planen som PDF").count() == 1
    entry = _last("laddade ned planen som PDF")
    assert (entry.actor, entry.federation, entry.changes) == (
        director,
        federation,
        {"year": budget.year, "adopted": False},
    )
    assert client.get(reverse("budget_report_json", args=args)).status_code == 200
    entry = _last("hämtade budgetrapporten som JSON")
    assert entry.actor == director and entry.federation == federation
    snapshot = Snapshot.objects.create(
        plan=plan,
        revision=1,
        decided_on=date(budget.year - 1, 11, 19),
        bundle="{}",
        bundle_sha256="0" * 64,
        pdf=b"%PDF-1.7",
        pdf_sha256="0" * 64,
    )
    client.get(reverse("snapshot_pdf", args=[*args, snapshot.pk]))
    client.get(reverse("snapshot_bundle", args=[*args, snapshot.pk]))
    for action in ("laddade ned den fastställda PDF:en", "laddade ned det fastställda planpaketet"):
        entry = _last(action)
        assert entry.actor == director and entry.changes == {"year": budget.year, "revision": 1}


def test_logins_are_recorded_and_the_password_never(director, password, caplog):
    caplog.set_level(logging.DEBUG)
    client = Client()
    client.post("/logga-in/", {"username": "director", "password": "fel-" + password})
    client.post("/logga-in/", {"username": "director", "password": password})
    client.post("/logga-ut/")
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["misslyckad inloggning", "loggade in", "loggade ut"]
    for row in AuditEntry.objects.values():
        assert password not in str(row)
    assert password not in caplog.text


def test_entries_cannot_be_changed_or_deleted(director, federation):
    from finsam.audit import record

    entry = record(action="test", by=director, federation=federation)
    entry.action = "ändrad"
    with pytest.raises(PermissionDenied):
        entry.save()
    with pytest.raises(PermissionDenied):
        entry.delete()
    with pytest.raises(PermissionDenied):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test"
    # Deleting the user keeps the entry and the name.
    get_user_model().objects.filter(pk=director.pk).delete()
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert entry.actor is None and entry.actor_name == "director"


def test_admin_shows_the_log_read_only(admin_client, director, federation):
    from finsam.audit import record

    entry = record(action="test", by=director, federation=federation, changes={"a": 1})
    changelist = admin_client.get(reverse("admin:finsam_auditentry_changelist"))
    assert changelist.status_code == 200 and "test" in changelist.content.decode()
    page = admin_client.get(reverse("admin:finsam_auditentry_change", args=[entry.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_save"' not in html and "deletelink" not in html
    assert (
        admin_client.post(
            reverse("admin:finsam_auditentry_change", args=[entry.pk]), {"action": "ändrad"}
        ).status_code
        == 403
    )
    assert admin_client.get(reverse("admin:finsam_auditentry_add")).status_code == 403
    assert (
        admin_client.post(
            reverse("admin:finsam_auditentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert AuditEntry.objects.get(pk=entry.pk).action == "test"
    # Not even a permission to grant.
    from django.contrib.auth.models import Permission

    codenames = set(
        Permission.objects.filter(content_type__model="auditentry").values_list(
            "codename", flat=True
        )
    )
    assert codenames == {"view_auditentry"}
