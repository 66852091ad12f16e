"""The layers (README, "Kodens uppbyggnad"): each app imports only from the apps
below it (import-linter's contract in pyproject.toml), no app imports another
inside a function (where the contract would still hold but a cycle hides), and no
application module grows over 1 000 lines. No database."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Bottom to top, as in pyproject.toml's [tool.importlinter].
APPS = ("finsam", "plans", "interventions", "budgets", "documents")
MAX_LINES = 1000


def application_modules() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts
    )


def _app_of(module: str) -> str | None:
    top = module.split(".")[0]
    return top if top in APPS else None


def function_level_imports(source: str, app: str) -> list[tuple[int, str]]:
    """(line, module) of every import of another app inside a function or method."""
    found = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            found += [
                (node.lineno, module) for module in modules if _app_of(module) not in (None, app)
            ]
    return sorted(set(found))


def test_the_check_finds_an_import_of_another_app_inside_a_function():
    source = (
        "from plans.models import Plan\n"
        "def f():\n"
        "    from budgets.models import Budget\n"
        "    from plans.rules import shift_years\n"
        "    import json\n"
        "class C:\n"
        "    def m(self):\n"
        "        import interventions.models\n"
    )
    assert function_level_imports(source, "plans") == [
        (3, "budgets.models"),
        (8, "interventions.models"),
    ]


def test_no_app_imports_another_inside_a_function():
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in application_modules()
        for line, module in function_level_imports(
            path.read_text(encoding="utf-8"), path.relative_to(ROOT).parts[0]
        )
    ]
    assert not found, "Importera överst i modulen, från ett lager under: " + "; ".join(found)


def test_no_application_module_is_over_1000_lines():
    assert application_modules(), "inga moduler hittades"
    long = [
        f"{path.relative_to(ROOT)} ({count} rader)"
        for path in application_modules()
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    ]
    assert not long, "Dela upp efter ansvar: " + ", ".join(long)


@pytest.mark.parametrize("app", APPS)
def test_every_app_is_in_the_layers_contract(app):
    contract = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'"{app}"' in contract.split("[tool.importlinter]", 1)[1]


def test_the_layers_contract_holds():
    """What `make lint` runs: import-linter over pyproject.toml's contract."""
    result = subprocess.run(
        [Path(sys.executable).with_name("lint-imports"), "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
