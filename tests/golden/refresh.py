"""python -m tests.golden.refresh: write the golden files anew (see __init__.py)."""

from __future__ import annotations

import os
import sys

import pytest

if __name__ == "__main__":
    os.environ["FINSAM_GOLDEN_REFRESH"] = "1"
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    code = pytest.main(["tests/golden/test_golden.py", "-q", "-rs", "-p", "no:cacheprovider"])
    sys.exit(0 if code in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED) else code)
