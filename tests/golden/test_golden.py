"""The demo plans' bundles, documents and PDFs are byte for byte the golden files
(tests/golden/__init__.py says how they are made and refreshed)."""

from __future__ import annotations

import os

import pytest

from tests.golden.generate import FILES, REFRESH_VARIABLE, outputs


# The documents show database ids (links, anchors): start every sequence from 1, as
# on an empty database, whatever ran before (PostgreSQL's sequences ignore rollbacks).
@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_demo_bundles_and_pdfs_are_the_golden_files(tmp_path):
    made = outputs(tmp_path)
    assert len(made) == 3 * len({name.split(".")[0] for name in made})
    if os.environ.get(REFRESH_VARIABLE):
        FILES.mkdir(exist_ok=True)
        for old in FILES.iterdir():
            old.unlink()
        for name, content in made.items():
            (FILES / name).write_bytes(content)
        pytest.skip(f"{len(made)} filer skrivna i {FILES}")
    stored = sorted(path.name for path in FILES.iterdir())
    assert stored == sorted(made), "andra filer än förut: python -m tests.golden.refresh"
    changed = [name for name, content in made.items() if content != (FILES / name).read_bytes()]
    assert not changed, (
        f"skiljer sig från de sparade filerna: {', '.join(changed)} "
        "(avsiktligt? python -m tests.golden.refresh)"
    )
