"""Static analysis: bandit finds nothing of medium severity or above in the
project's code, or each finding is justified on its line with `# nosec BXXX: why`.
(`make bandit`, run by .ci/run, is the same check.)"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PACKAGES = ["finsam", "plans", "interventions", "budgets", "documents"]


@pytest.fixture(scope="module")
def bandit_report() -> dict:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bandit",
            "-r",
            *PACKAGES,
            "-x",
            "*/migrations/*",
            "-ll",
            "-f",
            "json",
            "-q",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("package", PACKAGES)
def test_bandit_finds_nothing_of_medium_severity(bandit_report, package):
    findings = [
        f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_severity']}: {r['issue_text']}"
        for r in bandit_report["results"]
        if Path(r["filename"]).parts[0] == package
    ]
    assert not findings, (
        "Fix these, or justify each on its line with `# nosec B308, B703: reason`:\n"
        + "\n".join(findings)
    )


def test_bandit_read_the_code(bandit_report):
    assert not bandit_report["errors"], bandit_report["errors"]
    scanned = {Path(name).parts[0] for name in bandit_report["metrics"] if name != "_totals"}
    assert set(PACKAGES) <= scanned
    assert not any("/migrations/" in name for name in bandit_report["metrics"])


NOSEC = re.compile(r"# nosec B\d+(?:,? B\d+)*: \S")


def test_every_nosec_names_its_checks_and_a_reason():
    """`# nosec B308, B703: why` (or "B308 B703"). With no space after a comma bandit
    reads only the last id ("B308,B703" silences B703 alone), and a bare `# nosec`
    silences every check on the line."""
    bad = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if "# nosec" in line and not NOSEC.search(line):
                    bad.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not bad, "Write `# nosec B308, B703: reason`:\n" + "\n".join(bad)


def test_the_nosec_format_silences_each_named_check(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from django.utils.safestring import mark_safe\n\n\n"
        "def shown(x):\n    return mark_safe(x)  # nosec B308, B703: escaped above\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-ll", "-f", "json", "-q", str(sample)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert json.loads(result.stdout)["results"] == []
