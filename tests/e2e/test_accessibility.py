"""WCAG 2.1 AA: axe-core finds no serious or critical violation on any page, for any role.

axe-core comes from npm (package.json; `make setup` installs it into node_modules)
and is injected into each page by Playwright. The test logs in as each demo user
(one per role, and the administrator) and crawls every page it can reach by links
from the start page (one URL per URL name, query keys and förbund: the three demo
förbund are a draft, a plan on review and an adopted plan), and also checks the
login page, a form with errors, an edit conflict and the 404 page. A URL name that is an HTML page but was reached
by no role fails the test, so a new page cannot escape the check: link to it, or
list it in `NOT_PAGES` with the reason.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from playwright.sync_api import Browser, BrowserContext, Page

from budgets.actuals import store_actuals
from budgets.models import AccountMapping
from budgets.sie import read_actuals
from documents.adoption import plan_send_to_review
from finsam.models import BoardSeat, Role, SeatRole
from plans.comments import comment_add
from plans.models import Plan, PlanStatus, Section
from plans.services import plan_create, section_update
from plans.workflow import plan_publish
from tests.budgets.test_followup_views import sie_2024
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e

AXE_JS = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "finsam-demo-2026"
# The demo cast (documents/management/commands/load_demo.py): one user per role, and the
# administrator, who has no role in a förbund and so has only the start page here
# (Django's own admin pages under /admin/ are not checked).
ROLE_USERS = ("chef", "beredning", "styrelse", "lasare")
USERS = (*ROLE_USERS, "admin")
BLOCKING = ("serious", "critical")

# URL names that are no HTML page of their own, and why.
NOT_PAGES = {
    "logout": "POST only",
    "session_status": "JSON (the editors' keep-alive)",
    "budget_report_json": "JSON",
    "budget_excel_export": "Excel file",
    "budget_grid_recompute": "htmx fragment, POST only",
    "budget_grid_save": "POST only; renders the grid page",
    "section_preview": "htmx fragment, POST only",
    "section_move": "POST only",
    "plan_calendar_renew": "POST only (Byt länk); redirects to the plan page",
    "plan_pdf": "PDF",
    "follow_up_import": "POST only (a form on the follow-up page)",
    "follow_up_send": "POST only (a form on the report's page)",
    "follow_up_report_pdf": "PDF",
    "plan_docx": "Word file",
    "plan_public_pdf": "PDF",
    "snapshot_pdf": "PDF",
    "snapshot_bundle": "JSON",
    "plan_calendar": "iCalendar",
    "plan_calendar_feed": "iCalendar",
    "plan_return_to_draft": "POST only",
    "plan_unpublish": "POST only",
    "comment_withdraw": "POST only",
    "comment_resolve": "POST only",
    "comment_reopen": "POST only",
    "outcome_delete": "POST only",
    "plan_publish": "POST only (a button on the adopted version's page)",
    "comment_reply": "POST only (a form on the thread's page)",
    "comment_amend": "POST only (a form on the thread's page)",
    "scenario_create": "POST only (a form on the scenario page)",
    "scenario_rename": "POST only (a form on the scenario page)",
    # Two-factor login (not required here, as on a DEBUG server: the demo users have no
    # device). Their pages are checked by axe in tests/e2e/test_two_factor.py.
    "twofactor_verify": "only after the password, for a user with a device",
    "twofactor_backup_codes": "linked only for a user with a device",
    "twofactor_backup_codes_new": "POST only",
    "twofactor_disable": "POST only",
    # People (finsam/people/): the links of the mails and the pages before a login are
    # checked by axe in tests/e2e/test_start_from_zero.py; the rest are buttons.
    "invitation_open": "the invitation mail's link; redirects to invitation_accept",
    "invitation_accept": "only with an invitation's token (test_start_from_zero.py)",
    "password_reset": "linked from the login page (test_start_from_zero.py)",
    "password_reset_done": "after password_reset (test_start_from_zero.py)",
    "password_reset_confirm": "the reset mail's link (test_start_from_zero.py)",
    "person_role": "POST only (a form on the people page)",
    "invitation_resend": "POST only",
    "invitation_withdraw": "POST only",
    "staff_invitation_resend": "POST only",
    "staff_invitation_withdraw": "POST only",
    # Reached only after the adoption's POST (its task's id); checked by axe in
    # tests/e2e/test_pdf_background.py while the adoption is queued.
    "plan_adoption_progress": "after Registrera beslutet (test_pdf_background.py)",
}

# Run every rule; report only violations (faster than collecting passes).
AXE_RUN = """() => axe.run(document, {resultTypes: ['violations']}).then(r =>
  r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))"""


def _url_names(resolver: URLResolver | None = None) -> set[str]:
    names: set[str] = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace != "admin":
                names |= _url_names(pattern)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(pattern.name)
    return names


def _page_key(path: str, per_federation: bool) -> tuple[str, str, tuple[str, ...]] | None:
    """(URL name, förbund, query keys): one page of each is checked per role; with
    `per_federation` false, one of each URL name and query keys in all förbund."""
    parts = urlsplit(path)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    if match.url_name is None or match.url_name in NOT_PAGES:
        return None
    query_keys = tuple(sorted(k for k, _ in parse_qsl(parts.query, keep_blank_values=True)))
    federation = match.kwargs.get("slug", "") if per_federation else ""
    return match.url_name, federation, query_keys


class Checker:
    """Runs axe on pages and keeps what it finds."""

    def __init__(self) -> None:
        self.violations: list[str] = []
        self.checked: Counter[str] = Counter()
        self.names: set[str] = set()

    def check(self, page: Page, who: str, label: str) -> None:
        page.add_script_tag(path=str(AXE_JS))
        for violation in page.evaluate(AXE_RUN):
            if violation["impact"] in BLOCKING:
                self.violations.append(
                    f"{who} {label}: {violation['impact']} {violation['id']} "
                    f"({violation['help']}) at {violation['nodes']}"
                )
        self.checked[who] += 1

    def crawl(self, page: Page, who: str, base_url: str, per_federation: bool) -> None:
        """Every page reachable by links from the start page (GET only, so nothing changes)."""
        seen: set[tuple[str, str, tuple[str, ...]]] = set()
        queue = ["/"]
        while queue:
            path = queue.pop(0)
            key = _page_key(path, per_federation)
            if key is None or key in seen:
                continue
            seen.add(key)
            name = key[0]
            response = page.goto(path)
            assert response is not None
            if response.status != 200:
                self.violations.append(f"{who} {path}: svarade {response.status}")
                continue
            self.names.add(name)
            self.check(page, who, path)
            for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
                link = urlsplit(urljoin(base_url + path, href))
                if f"{link.scheme}://{link.netloc}" != base_url or link.path.startswith(
                    ("/admin/", "/static/")
                ):
                    continue
                queue.append(link.path + (f"?{link.query}" if link.query else ""))


def _new_context(browser: Browser, base_url: str) -> BrowserContext:
    # The CSP forbids inline scripts, axe's included: let this test's context inject it.
    context = browser.new_context(
        base_url=base_url, locale="sv-SE", bypass_csp=True, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    return context


def _more_states() -> None:
    """States the demo lacks, so their pages are crawled too: a plan on review with a
    comment (threads, replies), a board seat, and a published adopted plan (the public copy)."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    chef, reviewer = users.get(username="chef"), users.get(username="beredning")
    draft = Plan.objects.filter(status=PlanStatus.DRAFT).order_by("federation__slug").first()
    assert draft is not None, "demodata utan utkast"
    plan_send_to_review(plan=draft, by=chef)
    comment_add(
        plan=draft,
        by=reviewer,
        role=Role.REVIEWER,
        body="Förtydliga målgruppen.",
        section=draft.sections.first(),
    )
    member = draft.federation.members.first()
    BoardSeat.objects.create(member=member, person="Anna Andersson", role=SeatRole.MEMBER)
    decided = Plan.objects.filter(status=PlanStatus.DECIDED).first()
    assert decided is not None, "demodata utan fastställd plan"
    plan_publish(plan=decided, by=chef)
    # The adopted year followed up: the bookkeeping's actuals, mapped as suggested.
    actuals = read_actuals(sie_2024(year=decided.year))
    store_actuals(
        decided.federation, actuals, file_name="juni.se", content=b"", needs_mapping=False
    )
    AccountMapping.objects.create(
        federation=decided.federation,
        first_account="3000",
        last_account="8999",
        line_key=decided.federation.budgets.get(year=decided.year).lines.first().key,
    )
    # A plan without a budget yet, whose page offers "Skapa budget"; an earlier year,
    # listed after the plan on review, whose page is the one crawled.
    plan_create(federation=draft.federation, year=draft.year - 5, by=chef)


def test_axe_finds_no_serious_violation_on_any_page_for_any_role(
    browser: Browser,
    live_server,
) -> None:
    assert AXE_JS.exists(), f"{AXE_JS} saknas: kör `make setup` (npm ci)."
    call_command("load_demo", verbosity=0)
    _more_states()
    checker = Checker()

    context = _new_context(browser, live_server.url)
    page = context.new_page()
    page.goto("/logga-in/")
    checker.check(page, "anonym", "/logga-in/")
    log_in(page, "chef", "fel-lösenord-123")
    checker.check(page, "anonym", "/logga-in/ (fel lösenord)")
    page.goto("/finns-inte/")
    checker.check(page, "anonym", "404")
    context.close()

    for username in USERS:
        context = _new_context(browser, live_server.url)
        page = context.new_page()
        log_in(page, username, PASSWORD)
        page.wait_for_url(f"{live_server.url}/")
        # The director sees every state of every förbund; the others, each page once
        # (their pages differ from the director's in what they may do, not in state).
        checker.crawl(page, username, live_server.url, per_federation=username == "chef")
        if username == "chef":
            # A form sent back with errors (crispy marks the fields and their messages).
            page.goto(
                Plan.objects.order_by("pk").first().federation.get_absolute_url() + "insatser/ny/"
            )
            page.get_by_role("button", name="Lägg till insatsen").click()
            page.wait_for_selector(".invalid-feedback")
            checker.check(page, username, "ny insats med fel")
            # A section saved by someone else while this user wrote: the conflict page.
            section = Section.objects.filter(plan__status=PlanStatus.DRAFT).first()
            page.goto(
                reverse(
                    "section_edit",
                    args=[section.plan.federation.slug, section.plan.year, section.pk],
                )
            )
            section_update(
                section=section,
                by=None,
                heading=section.heading,
                kind=section.kind,
                body=section.body + " Tillägg.",
            )
            page.get_by_role("button", name="Spara", exact=True).click()
            page.wait_for_selector("#konflikt-rubrik")
            checker.check(page, username, "avsnitt med konflikt")
        context.close()

    pages = set(_url_names()) - set(NOT_PAGES) - {"login"}
    unreached = sorted(pages - checker.names)
    assert not unreached, (
        f"Sidor som ingen roll nådde via länkar (länka dit, eller lägg dem i NOT_PAGES): {unreached}"
    )
    assert not checker.violations, json.dumps(checker.violations, ensure_ascii=False, indent=1)
    assert all(checker.checked[u] > 10 for u in ROLE_USERS), (
        f"För få sidor: {dict(checker.checked)}"
    )
