"""Two-factor login in the browser, in Swedish: a förbundschef sets up the app after
the password (the code computed from the key the page shows), sees her backup codes
once, and the next login asks for the code; a wrong code is refused, a backup code
lets her in. Every page of the flow is checked by axe-core (WCAG 2.1 AA, as
tests/e2e/test_accessibility.py), under the real Content-Security-Policy."""

from __future__ import annotations

import re
from base64 import b32decode
from pathlib import Path

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from tests.e2e.conftest import field, log_in
from tests.e2e.test_accessibility import AXE_JS, AXE_RUN, BLOCKING

pytestmark = pytest.mark.e2e

SHOTS = Path("/tmp/finsam-otp-shots")


@pytest.fixture(autouse=True)
def two_factor_required(settings):
    settings.FINSAM_OTP_REQUIRED = True


def axe(page: Page, label: str, found: list[str]) -> None:
    # evaluate() is not subject to the page's CSP, so the policy stays on for the test.
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;0")
    for violation in page.evaluate(AXE_RUN):
        if violation["impact"] in BLOCKING:
            found.append(
                f"{label}: {violation['id']} ({violation['help']}) at {violation['nodes']}"
            )


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def code(key_hex: str, step_offset: int = 0) -> str:
    totp = TOTP(bytes.fromhex(key_hex))
    totp.time = totp.time + 30 * step_offset
    return f"{totp.token():06d}"


def test_director_sets_up_and_logs_in_with_the_code(page: Page, director, password) -> None:
    refused: list[str] = []
    page.on(
        "console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None
    )
    violations: list[str] = []

    log_in(page, director.username, password)
    expect(page).to_have_url(re.compile(r"/tvastegsverifiering/aktivera/\?next=/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Aktivera tvåstegsverifiering")
    expect(page.get_by_role("status")).to_contain_text("Förbundschefer och administratörer")
    expect(page.get_by_role("img", name=re.compile("QR-kod"))).to_be_visible()
    shot(page, "1-aktivera")
    axe(page, "aktivera", violations)
    # Nothing else is reachable before the code.
    page.get_by_role("link", name="Mina förbund").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aktivera tvåstegsverifiering")

    key = b32decode(page.locator(".totp-secret").inner_text().replace(" ", "")).hex()
    field(page, "Kod").fill("000000" if code(key) != "000000" else "111111")
    page.get_by_role("button", name="Aktivera").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("Koden stämmer inte")
    shot(page, "2-aktivera-fel-kod")
    axe(page, "aktivera med fel kod", violations)

    field(page, "Kod").fill(code(key))
    page.get_by_role("button", name="Aktivera").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reservkoder")
    expect(page.get_by_role("status")).to_contain_text("Tvåstegsverifieringen är aktiverad.")
    codes = page.locator(".backup-codes li").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{4} [a-z2-7]{4}", c) for c in codes)
    shot(page, "3-reservkoder")
    axe(page, "reservkoder", violations)
    page.get_by_role("link", name="Jag har sparat koderna").click()
    expect(page.get_by_role("heading", name="Mina samordningsförbund")).to_be_visible()

    page.get_by_role("link", name="Tvåstegsverifiering").click()
    expect(page.get_by_text("Du har 10 oanvända reservkoder kvar.")).to_be_visible()
    shot(page, "4-oversikt")
    axe(page, "översikt", violations)

    # The next login: the code after the password; a wrong one is refused in Swedish.
    page.get_by_role("button", name="Logga ut").click()
    log_in(page, director.username, password)
    expect(page.get_by_role("heading", level=1)).to_have_text("Verifieringskod")
    shot(page, "5-kod")
    axe(page, "kod", violations)
    field(page, "Kod").fill("12345678")
    page.get_by_role("button", name="Verifiera").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("Koden stämmer inte. Försök igen.")
    shot(page, "6-kod-fel")
    axe(page, "kod med fel", violations)
    # The setup's code is used; the app's next one is taken (one step of tolerance).
    field(page, "Kod").fill(code(key, step_offset=1))
    page.get_by_role("button", name="Verifiera").click()
    expect(page.get_by_role("heading", name="Mina samordningsförbund")).to_be_visible()

    # And a backup code, in place of the app's code.
    page.get_by_role("button", name="Logga ut").click()
    log_in(page, director.username, password)
    field(page, "Kod").fill(codes[0])
    page.get_by_role("button", name="Verifiera").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Du loggade in med en reservkod. Du har 9 reservkoder kvar."
    )
    shot(page, "7-inloggad-med-reservkod")

    assert not violations, violations
    assert not refused, refused
