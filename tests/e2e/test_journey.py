"""A new förbund's whole first year in Chromium, from an empty database to an adopted
plan with its PDF, with no admin and no command line (issue 15's acceptance):

1. site staff create the förbund and invite its förbundschef;
2. she follows the link in her mail (django.core.mail.outbox), chooses her password
   and sets up two-factor login, as on a server;
3. she adds a member, creates the plan and pastes her old budget table;
4. she changes one line's category in the preview and saves;
5. she sends the plan on review and adopts it, and downloads the adopted PDF.

The journey counts its pages (each page the browser loads) and its clicks; README's
"Kom igång" gives the figures, and the test fails when they change, so README
always says what the way takes. Screenshots go to /tmp/finsam-journey-shots."""

from __future__ import annotations

import re
import subprocess
from base64 import b32decode
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Locator, Page, expect

from budgets.models import Budget
from finsam.models import Federation
from plans.models import Plan, PlanStatus
from tests.budgets.test_create import KRAMFORS_TABLE
from tests.e2e.conftest import field
from tests.e2e.test_start_from_zero import link_in_last_mail
from tests.e2e.test_two_factor import axe, code
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.e2e

SHOTS = Path("/tmp/finsam-journey-shots")
HER_PASSWORD = "Ådalen-kaffe-och-bullar-2021"
README = Path(settings.BASE_DIR) / "README.md"
# "… tar N sidor och M klick" in README's getting-started section.
README_FIGURES = re.compile(r"(\d+) sidor och (\d+) klick")
# What must never reach her: the rules' codes (budget-balance) and the columns' (2021:budget).
RULE_CODES = {
    code
    for rules in ("budgets/rules.py", "interventions/rules.py", "plans/rules.py")
    for code in re.findall(r'rule="([a-z-]+)"', (Path(settings.BASE_DIR) / rules).read_text())
}
COLUMN_CODE = re.compile(r"\b\d{4}:(budget|plan|forecast|actual)\b")


@pytest.fixture(autouse=True)
def two_factor_required(settings):
    settings.FINSAM_OTP_REQUIRED = True


@pytest.fixture
def staff_with_app(db):
    """The site's staff member: the one row the empty database starts with (made by
    createsuperuser on a server), with her authenticator app."""
    user = UserFactory(username="personal", first_name="Karin", last_name="Ekström", is_staff=True)
    device = TOTPDevice.objects.create(user=user, name="Telefon", confirmed=True)
    return user, device.key


@pytest.fixture
def wide_page(browser: Browser, live_server):
    """A laptop's 1366 px, with the clipboard, so that the table is pasted as a user
    pastes it."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="sv-SE",
        viewport={"width": 1366, "height": 768},
        permissions=["clipboard-read", "clipboard-write"],
        accept_downloads=True,
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    context.close()


class Journey:
    """Counts what she does: the pages the browser loads and her clicks."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.pages = 0
        self.clicks = 0
        self.violations: list[str] = []
        page.on("load", lambda _page: self._loaded())

    def _loaded(self) -> None:
        self.pages += 1

    def click(self, target: Locator) -> None:
        self.clicks += 1
        target.click()

    def check(self, name: str) -> None:
        """A screenshot, axe-core on the page, and no internal code in its text."""
        SHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        axe(self.page, name, self.violations)
        text = self.page.inner_text("body")
        codes = {code for code in RULE_CODES if re.search(rf"\b{code}\b", text)}
        assert not codes and not COLUMN_CODE.search(text), (name, codes)


def pdf_text(path: str) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", path, "-"], capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def test_from_an_empty_database_to_an_adopted_plan_and_its_pdf(
    wide_page: Page, staff_with_app
) -> None:
    page = wide_page
    staff, staff_key = staff_with_app
    assert not Federation.objects.exists()
    you = Journey(page)
    heading = page.get_by_role("heading", level=1)

    # 1. Site staff log in, create the förbund and invite its förbundschef.
    page.goto("/logga-in/")
    field(page, "Användarnamn").fill(staff.username)
    field(page, "Lösenord").fill(PASSWORD)
    you.click(page.get_by_role("button", name="Logga in"))
    field(page, "Kod").fill(code(staff_key))
    you.click(page.get_by_role("button", name="Verifiera"))
    you.click(
        page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Alla förbund")
    )
    you.click(page.get_by_role("link", name="Nytt samordningsförbund"))
    expect(heading).to_have_text("Nytt samordningsförbund")
    field(page, "Förbundets namn").fill("Samordningsförbundet Kramfors")
    expect(field(page, "Kortnamn (webbadress)")).to_have_value("kramfors")
    field(page, "Organisationsnummer").fill("222000-1230")
    field(page, "Adress").fill("Box 1\n872 80 Kramfors")
    page.get_by_label("Namn, rad 3").fill("Region Västernorrland")
    page.get_by_label("Efter folkmängd vid ett datum").check()
    you.clicks += 1
    field(page, "Folkmängd per datum").fill("2020-11-01")
    field(page, "Förbundschefens e-postadress").fill("anna.andersson@kramfors.se")
    field(page, "Förbundschefens namn").fill("Anna Andersson")
    you.check("01-nytt-forbund")
    you.click(page.get_by_role("button", name="Skapa förbundet"))
    expect(heading).to_have_text("Samordningsförbundet Kramfors")
    expect(
        page.get_by_text("En inbjudan är skickad till anna.andersson@kramfors.se.")
    ).to_be_visible()
    you.click(page.get_by_role("button", name="Logga ut"))

    # 2. She follows the link in her mail, chooses her password, sets up her app.
    page.goto(link_in_last_mail("anna.andersson@kramfors.se"))
    expect(heading).to_have_text("Välkommen till Samordningsförbundet Kramfors")
    field(page, "Välj ett lösenord").fill(HER_PASSWORD)
    field(page, "Skriv lösenordet igen").fill(HER_PASSWORD)
    you.click(page.get_by_role("button", name="Spara lösenordet och fortsätt"))
    expect(heading).to_have_text("Aktivera tvåstegsverifiering")
    key = b32decode(page.locator(".totp-secret").inner_text().replace(" ", "")).hex()
    field(page, "Kod").fill(code(key))
    you.click(page.get_by_role("button", name="Aktivera"))
    you.click(page.get_by_role("link", name="Jag har sparat koderna"))
    expect(heading).to_have_text("Samordningsförbundet Kramfors")
    getting_started = page.locator("#kom-igang")
    expect(getting_started).to_contain_text("Kom igång")
    you.check("02-forbundssidan")

    # 3. She adds the municipality, creates the plan and pastes her old table.
    you.click(getting_started.get_by_role("link", name="Lägg till medlem"))
    field(page, "Namn").fill("Kramfors kommun")
    field(page, "Slag").select_option(label="Kommun")
    field(page, "Folkmängd").fill("18 210")
    you.check("03-ny-medlem")
    you.click(page.get_by_role("button", name="Lägg till medlem"))
    expect(page.locator("main")).to_contain_text("Kramfors kommun")

    you.click(getting_started.get_by_role("link", name="Ny verksamhetsplan"))
    field(page, "År").fill("2021")
    you.check("04-ny-plan")
    you.click(page.get_by_role("button", name="Skapa planen"))
    expect(heading).to_contain_text("2021")
    no_budget = page.locator("#no-budget")
    expect(no_budget).to_contain_text("Det finns ingen budget för 2021 ännu.")
    you.click(no_budget.get_by_role("link", name="Skapa budget"))
    expect(page.get_by_role("heading", name="Skapa budget 2021")).to_be_visible()
    box = page.get_by_label("Tabellen")
    page.evaluate("text => navigator.clipboard.writeText(text)", KRAMFORS_TABLE)
    box.focus()
    page.keyboard.press("Control+V")
    you.check("05-klistra-in")
    you.click(page.get_by_role("button", name="Förhandsgranska tabellen"))

    # 4. The preview names the printed sum that does not add up; she changes one
    # line's category, and saves.
    expect(page.locator("#printed-totals")).to_contain_text(
        "Summa kostnader 2022: tryckt 2\u00a0625\u00a0000\u00a0kr, raderna ger 2\u00a0652\u00a0000\u00a0kr"
    )
    you.check("06-forhandsvisning")
    category = page.get_by_label("Kategori för Bidrag Kvar att fördela (rad 10)")
    category.select_option(label="Övriga kostnader")
    you.clicks += 1
    assert not Budget.objects.exists()  # nothing saved before she saves
    you.click(page.get_by_role("button", name="Spara budgeten"))
    expect(page.locator("main")).to_contain_text("Budgeten för 2021 är sparad från tabellen")
    you.check("07-budgeten")

    # 5. On review, adopted, and the adopted PDF.
    you.click(page.get_by_role("link", name="Verksamhetsplan 2021").first)
    you.click(page.get_by_role("link", name="Skicka på beredning"))
    you.click(page.get_by_role("button", name="Skicka på beredning"))
    expect(page.get_by_role("status").first).to_contain_text("beredning")
    you.check("08-pa-beredning")
    you.click(page.get_by_role("link", name="Registrera styrelsens beslut"))
    field(page, "Beslutsdatum").fill(date(2020, 11, 19).isoformat())
    field(page, "Diarienummer").fill("dnr 2020:7")
    you.check("09-faststall")
    you.click(page.get_by_role("button", name="Registrera beslutet"))
    # The confirmation: what should stop her, and what is registered.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bekräfta beslutet")
    you.check("09b-bekrafta")
    you.click(page.get_by_role("button", name="Bekräfta och fastställ"))
    expect(page.get_by_role("status").first).to_contain_text(
        "Planen är fastställd", timeout=120_000
    )
    you.check("10-faststalld")
    plan = Plan.objects.get(federation__slug="kramfors", year=2021)
    assert plan.status == PlanStatus.DECIDED

    with page.expect_download() as download:
        you.click(page.get_by_role("link", name=re.compile("Ladda ner PDF")).first)
    download.value.save_as(SHOTS / "verksamhetsplan-kramfors-2021.pdf")
    text = pdf_text(download.value.path())
    assert "Samordningsförbundet Kramfors" in text
    assert "1 296 000" in text  # Försäkringskassan's contribution, as pasted

    assert not you.violations, you.violations
    print(f"the journey: {you.pages} pages, {you.clicks} clicks")
    figures = README_FIGURES.search(README.read_text(encoding="utf-8"))
    assert figures, "README's Kom igång says how many pages and clicks the journey takes"
    readme_pages, readme_clicks = map(int, figures.groups())
    assert (you.pages, you.clicks) == (readme_pages, readme_clicks), (
        f"the journey now takes {you.pages} pages and {you.clicks} clicks; "
        f"README says {readme_pages} and {readme_clicks}"
    )
