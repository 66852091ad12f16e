"""The vendored static files, as static/vendor/*/PATCHES.md describes them."""

from pathlib import Path

BOOTSTRAP_CSS = (
    Path(__file__).resolve().parent.parent / "static/vendor/bootstrap/css/bootstrap.min.css"
)


def test_bootstrap_has_no_universal_sibling_rule_for_legends():
    css = BOOTSTRAP_CSS.read_text(encoding="utf-8")
    assert "Bootstrap  v5.3" in css[:200]
    assert "legend+*" not in css.replace(" ", "")
