"""Golden files: the demo plans' bundles, documents and PDFs as they were made.

`generate.outputs()` loads the demo (load_demo) with the clock stopped at FROZEN_AT and new
calendar UIDs drawn from a fixed sequence, then writes, for every demo plan year,
what the commands write: `export_bundle` (the bundle JSON) and `render_plan` (the
HTML document and the PDF; a fastställd plan's come from its snapshot). test_golden
compares them byte for byte with the files in tests/golden/files/, made before the
code was moved (issue 14).

When a change is meant to change a document (new text in a template, a new bundle
field), refresh the files and commit them with the change:

    .venv/bin/python -m tests.golden.refresh

It runs the same test with FINSAM_GOLDEN_REFRESH=1, which writes instead of
comparing. A PDF over MAX_PDF_BYTES is kept as its sha256 (`NAME.pdf.sha256`).
"""
