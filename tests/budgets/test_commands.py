"""import_bundle, export_bundle and load_demo."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from budgets.models import Budget
from documents.bundle.export import export_bundle
from documents.management.commands.load_demo import DEMO_DIR, DEMO_PASSWORD
from finsam.models import Federation, Membership, Role
from tests.budgets.test_bundle import without_meeting_uids


def run(*args: Any) -> tuple[int, str, str]:
    """A command in this process: (exit code, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exit:
        return int(exit.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, data: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


# --- import_bundle -------------------------------------------------------------------


def test_import_bundle_imports(db, bundle, tmp_path):
    code, out, err = run("import_bundle", write(tmp_path, "b.json", bundle))
    assert (code, err) == (0, "")
    assert "Läste in Samordningsförbundet Södra Testbygden (sodra-test) 2020" in out
    budget = Budget.objects.get(federation__slug="sodra-test", year=2020)
    assert without_meeting_uids(export_bundle(budget.federation, 2020)) == bundle


def test_import_bundle_rejects_a_bad_bundle_and_changes_nothing(db, bundle, tmp_path, row_counts):
    run("import_bundle", write(tmp_path, "good.json", bundle))
    before = row_counts()
    bad = copy.deepcopy(bundle)
    bad["budget"]["lines"][3]["amounts"]["2021:plan"] = "tolv"

    code, out, err = run("import_bundle", write(tmp_path, "bad.json", bad))

    assert code == 1 and out == ""
    assert err.strip() == (
        'Paketet avvisades, inget ändrades. budget.lines[3].amounts["2021:plan"]: inte ett tal'
    )
    assert row_counts() == before


def test_import_bundle_refuses_json_floats_as_amounts(db, bundle, tmp_path):
    path = tmp_path / "float.json"
    text = json.dumps(bundle, ensure_ascii=False).replace('"645333.50"', "645333.5")
    path.write_text(text, encoding="utf-8")
    code, _, err = run("import_bundle", str(path))
    assert code == 1
    assert 'budget.lines[3].amounts["2021:plan"]: inte ett tal' in err


def test_import_bundle_bad_json(db, tmp_path):
    path = tmp_path / "trasig.json"
    path.write_text('{"format": "finsam-bundle/1",', encoding="utf-8")
    code, out, err = run("import_bundle", str(path))
    assert code == 1 and out == ""
    assert "trasig.json är inte giltig JSON (rad 1" in err


def test_import_bundle_missing_file(db, tmp_path):
    code, out, err = run("import_bundle", str(tmp_path / "saknas.json"))
    assert code == 1 and out == ""
    assert "saknas.json finns inte" in err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "finns inte"),
        ('{"format": "finsam-bundle/1"}', "Paketet avvisades, inget ändrades. federation: saknas"),
    ],
)
def test_import_bundle_exit_code_in_a_process(tmp_path, content, expected):
    path = tmp_path / "paket.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'tom.sqlite3'}"}
    env.pop("PYTEST_VERSION", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "import_bundle", str(path)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert expected in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


# --- export_bundle -------------------------------------------------------------------


def test_export_bundle_prints_the_bundle(db, bundle, tmp_path):
    run("import_bundle", write(tmp_path, "b.json", bundle))
    code, out, err = run("export_bundle", "sodra-test", "2020")
    assert (code, err) == (0, "")
    assert out == json.dumps(json.loads(out), ensure_ascii=False, indent=2) + "\n"
    assert without_meeting_uids(json.loads(out)) == bundle
    assert "Södra Testbygden" in out  # ensure_ascii=False


def test_export_then_import_gives_the_same_export(db, bundle, tmp_path):
    run("import_bundle", write(tmp_path, "b.json", bundle))
    _, first, _ = run("export_bundle", "sodra-test", "2020")
    exported = tmp_path / "export.json"
    exported.write_text(first, encoding="utf-8")
    assert run("import_bundle", str(exported))[0] == 0
    assert run("export_bundle", "sodra-test", "2020")[1] == first


@pytest.mark.parametrize(
    ("slug", "year", "expected"),
    [
        ("okant", "2020", "Förbundet okant finns inte."),
        (
            "sodra-test",
            "2019",
            "Samordningsförbundet Södra Testbygden har ingen verksamhetsplan med budget för 2019.",
        ),
    ],
)
def test_export_bundle_unknown(db, bundle, tmp_path, slug, year, expected):
    run("import_bundle", write(tmp_path, "b.json", bundle))
    code, out, err = run("export_bundle", slug, year)
    assert (code, out, err.strip()) == (1, "", expected)


# --- load_demo -----------------------------------------------------------------------


@pytest.fixture
def demo_dir(tmp_path, bundle) -> Path:
    folder = tmp_path / "demo"
    folder.mkdir()
    write(folder, "a.json", bundle)
    other = copy.deepcopy(bundle)
    other["federation"]["slug"] = "annat"
    other["federation"]["name"] = "Samordningsförbundet Annat"
    write(folder, "b.json", other)
    return folder


def test_load_demo_creates_forbund_and_users(db, demo_dir):
    code, out, err = run("load_demo", "--dir", str(demo_dir))
    assert (code, err) == (0, "")
    assert "Inlästa planår: sodra-test 2020, annat 2020." in out
    assert f"lösenord {DEMO_PASSWORD}" in out

    user_model = get_user_model()
    roles = {
        (m.user.username, m.federation.slug): m.role
        for m in Membership.objects.select_related("user", "federation")
    }
    for slug in ("sodra-test", "annat"):
        assert roles[("chef", slug)] == Role.DIRECTOR
        assert roles[("beredning", slug)] == Role.REVIEWER
        assert roles[("styrelse", slug)] == Role.BOARD
        assert roles[("lasare", slug)] == Role.VIEWER
    assert len(roles) == 8
    for username in ("chef", "beredning", "styrelse", "lasare", "admin"):
        user = user_model.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        assert user.first_name and user.last_name
    admin = user_model.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser


def test_load_demo_twice_is_idempotent(db, demo_dir, row_counts):
    run("load_demo", "--dir", str(demo_dir))
    user = get_user_model().objects.get(username="chef")
    user.set_password("ett-eget-lösenord-2026")
    user.save()
    before = row_counts()
    exported = export_bundle(Federation.objects.get(slug="annat"), 2020)

    code, out, _ = run("load_demo", "--dir", str(demo_dir))

    assert code == 0
    assert "Fanns redan" in out and "Nya användare" not in out
    assert row_counts() == before
    assert export_bundle(Federation.objects.get(slug="annat"), 2020) == exported
    assert Budget.objects.get(federation__slug="annat").version == 1
    # The password is set only when the user is created.
    assert get_user_model().objects.get(username="chef").check_password("ett-eget-lösenord-2026")

    code, out, _ = run("load_demo", "--dir", str(demo_dir), "--replace")
    assert code == 0 and "Inlästa planår" in out
    assert row_counts() == before
    assert export_bundle(Federation.objects.get(slug="annat"), 2020) == exported


def test_load_demo_rejects_a_bad_bundle_and_changes_nothing(db, demo_dir, row_counts):
    (demo_dir / "c.json").write_text('{"format": "annat"}', encoding="utf-8")
    before = row_counts()
    code, _, err = run("load_demo", "--dir", str(demo_dir))
    assert code == 1
    assert 'c.json avvisades: format: ska vara "finsam-bundle/1"' in err
    assert row_counts() == before


def test_load_demo_without_bundles_still_creates_users(db, tmp_path):
    code, out, err = run("load_demo", "--dir", str(tmp_path))
    assert code == 0
    assert "Inga planpaket" in err
    assert get_user_model().objects.filter(username="chef").exists()


@pytest.mark.skipif(not list(DEMO_DIR.glob("*.json")), reason="documents/demo has no bundles yet")
def test_load_demo_with_the_real_demo_files_is_idempotent(db, row_counts, tmp_path):
    code, out, err = run("load_demo")
    assert (code, err) == (0, ""), err
    counts = row_counts()
    assert counts["finsam.Federation"] == len(list(DEMO_DIR.glob("*.json")))
    assert run("load_demo")[0] == 0
    assert row_counts() == counts
    # --replace reads the drafts in again and leaves the adopted plan, unchanged, as it is.
    code, out, _ = run("load_demo", "--replace")
    assert code == 0
    assert "Fastställda och oförändrade (orörda): sodra-vatterbygden 2020." in out
    assert row_counts() == counts
    # And each demo year survives export → import → export; the adopted one is refused.
    for budget in Budget.objects.select_related("federation"):
        first = export_bundle(budget.federation, budget.year)
        code = run("import_bundle", write(tmp_path, f"{budget.pk}.json", first))[0]
        decided = first["plan"]["status"] == "decided"
        assert code == (1 if decided else 0)
        assert export_bundle(budget.federation, budget.year) == first
