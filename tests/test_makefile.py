"""The Makefile declares as phony only targets it has (issue 14)."""

from __future__ import annotations

import re
from pathlib import Path

MAKEFILE = Path(__file__).resolve().parents[1] / "Makefile"


def test_the_makefile_declares_only_targets_that_exist():
    text = MAKEFILE.read_text(encoding="utf-8")
    declared = re.search(r"^\.PHONY:(.*)$", text, re.MULTILINE)
    assert declared is not None
    # "name:" at the start of a line, not a variable ("NAME := …", "NAME ?= …").
    targets = set(re.findall(r"^([a-z][\w-]*):(?!=)", text, re.MULTILINE))
    assert "test" in targets and "run" in targets
    assert set(declared[1].split()) <= targets, set(declared[1].split()) - targets
