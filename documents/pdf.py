"""The verksamhetsplan as a PDF: WeasyPrint over the same templates as the page.

- The HTML is `plans/plan_pdf.html`, built from the partials the plan page uses.
- WeasyPrint fetches nothing but the project's own static files (and `data:`
  URLs); every other URL, `file://` paths and http(s) alike, is refused, so a
  section's text can never make the server read a file or call out.
- The PDF is tagged (PDF/UA-1, language from `<html lang="sv">`).
- It is cached per plan version: the key is the plan's id and a digest of
  everything the document shows (plan, sections, goals, meetings, the budget's
  version, the förbund's settings and members, the interventions) and of the
  templates and print CSS. A second download of an unchanged plan skips the
  rendering; any change gives a new key.
"""

from __future__ import annotations

import hashlib
import io
import logging
import mimetypes
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree  # noqa: S405 (builds our own XMP; parsing is defusedxml's)

import weasyprint
from defusedxml.ElementTree import fromstring as defused_fromstring
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import caches
from django.core.exceptions import SuspiciousFileOperation
from django.db import connection, models
from django.template.loader import render_to_string
from weasyprint.urls import URLFetcher, URLFetcherResponse

from budgets.models import Budget, Scenario
from documents.document import INTERVENTION_CHAPTER_TEMPLATE, PlanDocument, plan_document
from documents.pdf_tags import finish_tags
from finsam.models import Federation, Member
from interventions.models import Intervention, InterventionGoal
from plans.models import Goal, Meeting, Plan, Section

logger = logging.getLogger(__name__)

PDF_TEMPLATE = "plans/plan_pdf.html"
STYLESHEET = "css/print.css"
DRAFT_STYLESHEET = "css/print-draft.css"  # the watermark, on a draft's pages
WATERMARK = "img/utkast.svg"  # documents/watermark.py draws it
PDF_VARIANT = "pdf/ua-1"
# Bump when the rendering changes in a way the templates' text does not show.
RENDER_VERSION = "1"
CACHE_ALIAS = getattr(settings, "PLAN_PDF_CACHE", "default")
CACHE_TIMEOUT = 60 * 60 * 24 * 30


class RefusedURL(ValueError):
    """WeasyPrint asked for something that is not one of our static files."""


class StaticFilesFetcher(URLFetcher):
    """Serves the project's static files and `data:` URLs; refuses the rest.

    With `base_url="file:///"`, `{% static 'css/print.css' %}` ("/static/…")
    arrives here as `file:///static/css/print.css`.
    """

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False, timeout=1)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        parts = urlsplit(url)
        prefix = "/" + settings.STATIC_URL.strip("/") + "/"
        if parts.scheme == "file" and not parts.netloc and parts.path.startswith(prefix):
            path = _static_path(unquote(parts.path[len(prefix) :]))
            if path is not None:
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(
                    url, body=path.read_bytes(), headers={"Content-Type": content_type}
                )
        self.refused.append(url)
        logger.warning("PDF: vägrade hämta %s", url)
        raise RefusedURL(f"Hämtas inte: {url}")


def _static_path(name: str) -> Path | None:
    """A static file by its name, from the finders or the collected files."""
    if not name or name.startswith("/") or ".." in Path(name).parts:
        return None
    try:
        found = finders.find(name)
        if found:
            return Path(found)
        if staticfiles_storage.exists(name):
            return Path(staticfiles_storage.path(name))
    except (SuspiciousFileOperation, NotImplementedError, ValueError):
        return None
    return None


# --- rendering -----------------------------------------------------------------------


def static_path_url(name: str) -> str:
    """ "/static/css/print.css": the file's own name, not the manifest's hashed one,
    so the document renders whether or not collectstatic has run."""
    return "/" + settings.STATIC_URL.strip("/") + "/" + name


def plan_html(document: PlanDocument) -> str:
    """The document as HTML: what WeasyPrint renders and `render_plan --html` writes."""
    return render_to_string(
        PDF_TEMPLATE,
        {
            "document": document,
            "editable": False,
            # The board's document: its checks once, without advice to the author.
            "board": True,
            "stylesheet_url": static_path_url(STYLESHEET),
            "draft_stylesheet_url": static_path_url(DRAFT_STYLESHEET),
        },
    )


ARCHIVE_VARIANT = "pdf/a-3a"  # tagged archival (ISO 19005-3, level A)
BUNDLE_ATTACHMENT = "verksamhetsplan.json"
FINSAM_XMP = "https://finsam-planering.se/ns/plan/1.0/"
XMP_NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "pdfuaid": "http://www.aiim.org/pdfua/ns/id/",
    "finsam": FINSAM_XMP,
}
ElementTree.register_namespace("finsam", FINSAM_XMP)


@dataclass(frozen=True)
class Archive:
    """What the adopted version's PDF carries besides the document: it is PDF/A-3a and
    PDF/UA-1, with the plan's bundle inside (an associated file, relationship Data), so
    that anyone with only the PDF can get the machine-readable plan back."""

    bundle: bytes
    title: str
    author: str  # the förbund
    reference: str  # the decision's dnr
    decided_on: date
    created: datetime


def html_to_pdf(
    html: str, *, fetcher: StaticFilesFetcher | None = None, archive: Archive | None = None
) -> bytes:
    """WeasyPrint alone: HTML in, tagged PDF out (PDF/UA-1; with `archive`, PDF/A-3a
    and PDF/UA-1 with the bundle inside)."""
    source = weasyprint.HTML(
        string=html, base_url="file:///", url_fetcher=fetcher or StaticFilesFetcher()
    )
    if archive is None:
        return source.write_pdf(
            pdf_variant=PDF_VARIANT, custom_metadata=False, finisher=finish_tags
        )
    document = source.render(pdf_variant=ARCHIVE_VARIANT)
    metadata = document.metadata
    metadata.title = archive.title
    metadata.authors = [archive.author]
    metadata.lang = "sv"
    metadata.created = metadata.modified = archive.created.isoformat(timespec="seconds")
    base_rdf = metadata.generate_rdf_metadata

    def with_plan_facts(variant: str, version: int, conformance: str) -> bytes:
        rdf = defused_fromstring(base_rdf(variant, version, conformance))
        for element in _archive_rdf(archive):
            rdf.append(element)
        return ElementTree.tostring(rdf, encoding="utf-8")

    metadata.generate_rdf_metadata = with_plan_facts
    attachment = weasyprint.Attachment(
        file_obj=io.BytesIO(archive.bundle),
        name=BUNDLE_ATTACHMENT,
        description="Verksamhetsplanen och budgeten maskinläsbart (finsam-bundle/1)",
        created=archive.created,
        modified=archive.created,
        relationship="Data",
    )
    return document.write_pdf(
        pdf_variant=ARCHIVE_VARIANT,
        attachments=[attachment],
        custom_metadata=False,
        finisher=finish_tags,
    )


def _archive_rdf(archive: Archive) -> list[ElementTree.Element]:
    """The XMP beyond WeasyPrint's own: PDF/UA-1 identification, the language, and the
    decision (dnr and date) in the project's namespace."""
    rdf, dc, ua, finsam = (XMP_NS[k] for k in ("rdf", "dc", "pdfuaid", "finsam"))
    about = {f"{{{rdf}}}about": ""}
    ua_id = ElementTree.Element(f"{{{rdf}}}Description", about)
    ElementTree.SubElement(ua_id, f"{{{ua}}}part").text = "1"
    language = ElementTree.Element(f"{{{rdf}}}Description", about)
    bag = ElementTree.SubElement(
        ElementTree.SubElement(language, f"{{{dc}}}language"), f"{{{rdf}}}Bag"
    )
    ElementTree.SubElement(bag, f"{{{rdf}}}li").text = "sv"
    decision = ElementTree.Element(f"{{{rdf}}}Description", about)
    ElementTree.SubElement(decision, f"{{{finsam}}}reference").text = archive.reference
    ElementTree.SubElement(
        decision, f"{{{finsam}}}decisionDate"
    ).text = archive.decided_on.isoformat()
    return [ua_id, language, decision]


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    cache_key: str
    from_cache: bool


def plan_pdf(plan: Plan) -> RenderedPdf:
    """The plan's PDF, from the cache when this version was rendered before."""
    key = pdf_cache_key(plan)
    cache = caches[CACHE_ALIAS]
    cached = cache.get(key)
    if cached is not None:
        return RenderedPdf(content=cached, cache_key=key, from_cache=True)
    content = html_to_pdf(plan_html(plan_document(plan)))
    cache.set(key, content, CACHE_TIMEOUT)
    return RenderedPdf(content=content, cache_key=key, from_cache=False)


def pdf_filename(plan: Plan) -> str:
    return f"verksamhetsplan-{plan.federation.slug}-{plan.year}.pdf"


# --- the cache key -----------------------------------------------------------------


def _template_files() -> list[Path]:
    base = Path(settings.BASE_DIR)
    files = sorted((base / "templates" / "plans").rglob("*.html"))
    files += [
        base / "templates" / "budgets" / "partials" / "budget_table.html",
        base / "templates" / "budgets" / "partials" / "findings.html",
        base / "templates" / INTERVENTION_CHAPTER_TEMPLATE,
        base / "static" / "css" / "print.css",
        base / "static" / DRAFT_STYLESHEET,
        base / "static" / WATERMARK,
    ]
    return files


def _layout_digest() -> str:
    digest = hashlib.sha256(f"{RENDER_VERSION}:{weasyprint.__version__}".encode())
    for path in _template_files():
        digest.update(str(path).encode())
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()


_cached_layout_digest = lru_cache(maxsize=1)(_layout_digest)


def layout_digest() -> str:
    """Templates and CSS change without a restart while developing."""
    return _layout_digest() if settings.DEBUG else _cached_layout_digest()


def _every_field(model: type[models.Model]) -> list[str]:
    """All of a model's stored columns: a field added later is in the key at once."""
    return [field.attname for field in model._meta.concrete_fields]


def _version_querysets(federation_id: int, plan_id: int, year: int) -> list[models.QuerySet]:
    """The rows the plan's document draws on, every stored column of each."""
    querysets = [
        Federation.objects.filter(pk=federation_id),
        Plan.objects.filter(pk=plan_id),
        Section.objects.filter(plan_id=plan_id),
        Goal.objects.filter(plan_id=plan_id),
        Meeting.objects.filter(plan_id=plan_id),
        # Every budget save raises the version; scenarios are named on their own.
        Budget.objects.filter(federation_id=federation_id, year=year),
        Scenario.objects.filter(budget__federation_id=federation_id, budget__year=year),
        Member.objects.filter(federation_id=federation_id),
        Intervention.objects.filter(federation_id=federation_id),
        InterventionGoal.objects.filter(intervention__federation_id=federation_id),
        *(
            relation.through.objects.filter(intervention__federation_id=federation_id)
            for relation in (Intervention.members, Intervention.steering_members)
        ),
    ]
    return [qs.order_by("pk").values_list(*_every_field(qs.model)) for qs in querysets]


# Stand-ins for the three values the queries take, to find each one's place in the
# compiled SQL's parameters (each in its field's range: a year is a small integer).
_SENTINELS = {"federation": 7_300_001, "plan": 7_300_002, "year": 32_001}


@lru_cache(maxsize=1)
def _version_statements() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The queries of `_version_querysets`, compiled once per process: their SQL and,
    for each parameter, which of the three values it is. Building a query with the
    ORM costs ten times its run on PostgreSQL, and the download's fast path makes
    twelve of them."""
    statements = []
    sentinels = {value: name for name, value in _SENTINELS.items()}
    for queryset in _version_querysets(
        _SENTINELS["federation"], _SENTINELS["plan"], _SENTINELS["year"]
    ):
        sql, params = queryset.query.sql_with_params()
        roles = tuple(sentinels[param] for param in params)  # KeyError: not ours
        statements.append((sql, roles))
    return tuple(statements)


def plan_version(plan: Plan) -> str:
    """A digest of everything the plan's document shows, in a fixed number of
    small queries (no rendering, no budget computation). Every stored column of the
    rows the document draws on is fed in, so no field can be left out of the key.
    The rows are as the database driver gives them (the same in every process)."""
    digest = hashlib.sha256(layout_digest().encode())
    values = {"federation": plan.federation_id, "plan": plan.pk, "year": plan.year}
    with connection.cursor() as cursor:
        for sql, roles in _version_statements():
            cursor.execute(sql, [values[role] for role in roles])
            digest.update(repr(cursor.fetchall()).encode())
            digest.update(b"\x00")
    return digest.hexdigest()


def pdf_cache_key(plan: Plan) -> str:
    return f"plans:pdf:{plan.pk}:{plan_version(plan)}"
