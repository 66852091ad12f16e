"""From zero, in Chromium, with two-factor login required as on a server: site staff
create a förbund (its address derived from the name as it is typed) and invite its
förbundschef; she follows the link in the mail (django.core.mail.outbox), chooses
her password, sets up her authenticator app and lands on her förbund's page, which
says what is still missing. Then "Glömt lösenordet?" and a used link. Every page is
checked by axe-core under the real Content-Security-Policy; screenshots go to
/tmp/finsam-people-shots."""

from __future__ import annotations

import re
from base64 import b32decode
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from finsam.models import Federation, Membership, Role
from tests.e2e.conftest import field, log_in
from tests.e2e.test_two_factor import axe, code
from tests.factories import PASSWORD, UserFactory
from tests.finsam.mailbox import LINK

pytestmark = pytest.mark.e2e

SHOTS = Path("/tmp/finsam-people-shots")
HER_PASSWORD = "Ådalen-kaffe-och-bullar-2021"


@pytest.fixture(autouse=True)
def two_factor_required(settings):
    settings.FINSAM_OTP_REQUIRED = True


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def link_in_last_mail(to: str) -> str:
    message = [m for m in mail.outbox if to in m.to][-1]
    [link] = LINK.findall(message.body)
    return urlsplit(link).path


@pytest.fixture
def staff_with_app(db):
    user = UserFactory(username="personal", first_name="Karin", last_name="Ekström", is_staff=True)
    device = TOTPDevice.objects.create(user=user, name="Telefon", confirmed=True)
    return user, device.key


def test_staff_create_a_federation_and_its_director_starts(page: Page, staff_with_app) -> None:
    staff, staff_key = staff_with_app
    refused: list[str] = []
    page.on(
        "console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None
    )
    violations: list[str] = []

    # Site staff log in (password and code) and find the förbund pages in the menu.
    log_in(page, staff.username, PASSWORD)
    field(page, "Kod").fill(code(staff_key))
    page.get_by_role("button", name="Verifiera").click()
    expect(page.get_by_text("Som webbplatsens personal skapar du förbund")).to_be_visible()
    page.get_by_role("navigation", name="Huvudmeny").get_by_role(
        "link", name="Alla förbund"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alla förbund")
    axe(page, "alla förbund", violations)
    page.get_by_role("link", name="Nytt samordningsförbund").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nytt samordningsförbund")
    shot(page, "01-nytt-forbund")
    axe(page, "nytt förbund", violations)

    # The address follows the name, and says it cannot change.
    field(page, "Förbundets namn").fill("Samordningsförbundet Kramfors")
    expect(field(page, "Kortnamn (webbadress)")).to_have_value("kramfors")
    expect(page.locator(".slug-address")).to_contain_text("/f/kramfors/")
    expect(page.get_by_text("kan inte ändras senare")).to_be_visible()
    field(page, "Organisationsnummer").fill("222000-1234")
    field(page, "Adress").fill("Box 1\n872 80 Kramfors")
    page.get_by_label("Namn, rad 3").fill("Region Västernorrland")
    page.get_by_label("Namn, rad 4").fill("Kramfors kommun")
    page.get_by_label("Folkmängd, rad 4").fill("18 210")
    page.get_by_label("Efter folkmängd vid ett datum").check()
    field(page, "Folkmängd per datum").fill("2020-11-01")
    field(page, "Golv för eget kapital (kr)").fill("180 000")
    field(page, "Förbundschefens e-postadress").fill("anna.andersson@kramfors.se")
    field(page, "Förbundschefens namn").fill("Anna Andersson")
    shot(page, "02-nytt-forbund-ifyllt")
    page.get_by_role("button", name="Skapa förbundet").click()

    # A mistyped organisation number: said in Swedish, nothing typed is lost.
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Förbundet är inte skapat")
    expect(summary).to_contain_text(
        "Organisationsnummer: Organisationsnumret 222000-1234 stämmer inte (kontrollsiffran)."
    )
    summary.get_by_role("link", name="Organisationsnummer").click()
    expect(field(page, "Organisationsnummer")).to_be_focused()
    expect(page.locator(".invalid-feedback")).to_contain_text("stämmer inte (kontrollsiffran)")
    expect(page.get_by_label("Namn, rad 4")).to_have_value("Kramfors kommun")
    expect(field(page, "Golv för eget kapital (kr)")).to_have_value("180 000")
    shot(page, "03-nytt-forbund-fel")
    axe(page, "nytt förbund med fel", violations)
    field(page, "Organisationsnummer").fill("222000-1230")
    page.get_by_role("button", name="Skapa förbundet").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Samordningsförbundet Kramfors")
    expect(page.get_by_role("status").first).to_contain_text("/f/kramfors/")
    expect(
        page.get_by_text("En inbjudan är skickad till anna.andersson@kramfors.se.")
    ).to_be_visible()
    expect(page.locator(".invitations-table")).to_contain_text("Förbundschef")
    shot(page, "04-personalens-forbundssida")
    axe(page, "personalens förbundssida", violations)
    federation = Federation.objects.get(slug="kramfors")
    assert federation.members.count() == 4
    page.get_by_role("button", name="Logga ut").click()

    # She opens the link in her mail, in a browser where nobody is logged in.
    link = link_in_last_mail("anna.andersson@kramfors.se")
    page.goto(link)
    expect(page).to_have_url(re.compile(r"/inbjudan/\d+/svara/$"))  # no token in the address
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Välkommen till Samordningsförbundet Kramfors"
    )
    expect(field(page, "Förnamn")).to_have_value("Anna")
    shot(page, "05-inbjudan")
    axe(page, "inbjudan", violations)
    field(page, "Välj ett lösenord").fill(HER_PASSWORD)
    field(page, "Skriv lösenordet igen").fill(HER_PASSWORD + "x")
    page.get_by_role("button", name="Spara lösenordet och fortsätt").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("stämmer inte överens")
    shot(page, "06-inbjudan-fel")
    axe(page, "inbjudan med fel", violations)
    field(page, "Välj ett lösenord").fill(HER_PASSWORD)
    field(page, "Skriv lösenordet igen").fill(HER_PASSWORD)
    page.get_by_role("button", name="Spara lösenordet och fortsätt").click()

    # A förbundschef sets up two-factor login first, then comes to her förbund.
    expect(page.get_by_role("heading", level=1)).to_have_text("Aktivera tvåstegsverifiering")
    shot(page, "07-aktivera-tvastegsverifiering")
    key = b32decode(page.locator(".totp-secret").inner_text().replace(" ", "")).hex()
    field(page, "Kod").fill(code(key))
    page.get_by_role("button", name="Aktivera").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reservkoder")
    page.get_by_role("link", name="Jag har sparat koderna").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Samordningsförbundet Kramfors")
    anna = Membership.objects.get(federation=federation, role=Role.DIRECTOR).user
    assert anna.username == "anna.andersson@kramfors.se"

    # What is still missing, with the way to each.
    getting_started = page.locator("#kom-igang")
    expect(getting_started).to_contain_text("Kom igång")
    expect(getting_started.locator('[data-step="members"]')).to_have_attribute("data-done", "1")
    expect(getting_started.locator('[data-step="split"]')).to_have_attribute("data-done", "1")
    for step in ("seats", "plan", "people"):
        expect(getting_started.locator(f'[data-step="{step}"]')).to_have_attribute("data-done", "0")
    expect(getting_started).to_contain_text("Skapa förbundets första verksamhetsplan")
    shot(page, "08-forbundssidan-kom-igang")
    axe(page, "förbundssidan", violations)

    # She invites the beredningsgrupp from "Kom igång".
    getting_started.get_by_role("link", name="Bjud in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Personer")
    field(page, "E-postadress").fill("bo.berg@kramfors.se")
    page.get_by_label(re.compile(r"Beredningsgrupp –")).check()
    page.get_by_role("button", name="Skicka inbjudan").click()
    expect(page.get_by_text("En inbjudan är skickad till bo.berg@kramfors.se.")).to_be_visible()
    shot(page, "09-personer")
    axe(page, "personer", violations)
    page.get_by_role("button", name="Logga ut").click()

    # Her link again: used, with the way forward.
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbjudan är redan mottagen")
    shot(page, "10-lanken-redan-anvand")
    axe(page, "använd länk", violations)

    # "Glömt lösenordet?" from the login page: a Swedish mail, a new password.
    page.goto("/logga-in/")
    page.get_by_role("link", name="Glömt lösenordet?").click()
    axe(page, "glömt lösenordet", violations)
    field(page, "E-postadress").fill("anna.andersson@kramfors.se")
    page.get_by_role("button", name="Skicka länken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kolla din e-post")
    axe(page, "kolla din e-post", violations)
    page.goto(link_in_last_mail("anna.andersson@kramfors.se"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Välj nytt lösenord")
    shot(page, "11-nytt-losenord")
    axe(page, "nytt lösenord", violations)
    field(page, "Nytt lösenord").fill(HER_PASSWORD + "-2")
    field(page, "Skriv lösenordet igen").fill(HER_PASSWORD + "-2")
    page.get_by_role("button", name="Spara lösenordet").click()
    # Her new password, and then her code as always.
    expect(page.get_by_role("heading", level=1)).to_have_text("Verifieringskod")
    expect(page.get_by_text("Ditt nya lösenord är sparat och du är inloggad.")).to_be_visible()
    shot(page, "12-nytt-losenord-sedan-koden")
    field(page, "Kod").fill(code(key, step_offset=1))
    page.get_by_role("button", name="Verifiera").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mina samordningsförbund")

    assert not violations, violations
    assert not refused, refused
