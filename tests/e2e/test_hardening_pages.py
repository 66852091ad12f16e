"""The lock page and the 413 page as a browser shows them (issue 13)."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.budgets.test_views import make_budget
from tests.e2e.conftest import log_in

SHOTS = Path(os.environ.get("FINSAM_SCREENSHOTS", "/tmp"))


def test_the_lock_page_says_when_to_try_again(page: Page, director) -> None:
    page.set_default_timeout(60_000)  # five password checks on a busy machine
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(page, director.username, "fel-lösenord-123")
    retry = timezone.localtime(timezone.now() + settings.AXES_COOLOFF_TIME)
    expect(page.get_by_role("heading", name="För många inloggningsförsök")).to_be_visible()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Du kan försöka igen")
    # (The minute may turn between the attempt and this line.)
    shown = alert.inner_text()
    assert (
        f"kl. {retry:%H:%M}" in shown
        or f"kl. {retry - timezone.timedelta(minutes=1):%H:%M}" in shown
    )
    page.screenshot(path=str(SHOTS / "finsam-locked.png"), full_page=True)


def test_an_upload_over_the_limit_gets_the_413_page(
    page: Page, director, federation, password
) -> None:
    page.set_default_timeout(60_000)
    budget = make_budget(federation)
    log_in(page, director.username, password)
    page.goto(f"/f/{federation.slug}/budget/{budget.year}/excel/importera/")
    page.set_input_files(
        "input[type=file]",
        {
            "name": "budget.xlsx",
            "mimeType": "application/octet-stream",
            "buffer": b"x" * (settings.REQUEST_BODY_MAX_BYTES + 1),
        },
    )
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    assert answer.value.status == 413
    expect(page.get_by_role("heading", name="Det som skickades är för stort")).to_be_visible()
    page.screenshot(path=str(SHOTS / "finsam-413.png"), full_page=True)
