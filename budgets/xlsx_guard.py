"""Checks an uploaded .xlsx before openpyxl opens it, so that no file can make an
import take more memory or time than a real budget does.

An .xlsx is a zip of XML files. The checks, cheapest first:

- at most MAX_MEMBERS files in the zip, each stored or deflated (what Excel and
  LibreOffice write; bzip2 and lzma could expand a small read enormously);
- at most MAX_UNPACKED_BYTES unpacked in all, by the sizes the zip declares (Python's
  zipfile never returns more than a member's declared size: a member that lies ends
  in a CRC error, not in more data);
- no member over MIN_RATIO_CHECK_BYTES packed harder than MAX_RATIO to 1 (a zip
  bomb; real sheets pack about 10 to 1);
- the sheets and the shared strings read once as a stream, with defusedxml: no DTD
  entity is expanded (refused, like openpyxl itself refuses them once defusedxml is
  installed), at most MAX_CELLS cells, rows and strings in all, and no text longer
  than Excel allows in a cell, which bounds what openpyxl will build.

Each refusal is a Swedish sentence for the user (UnsafeWorkbook).
"""

from __future__ import annotations

import io
import zipfile
import zlib

import openpyxl
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.utils.translation import gettext as _

MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_MEMBERS = 200
MAX_RATIO = 100
MIN_RATIO_CHECK_BYTES = 1024 * 1024
# A base sheet of 5000 rows by 6 headings and a dozen year columns, and scenario
# sheets beside it; openpyxl takes some 400 bytes a cell, twice (values and formulas).
MAX_CELLS = 150_000
ALLOWED_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


class UnsafeWorkbook(Exception):
    """The file is refused before it is opened; str() is the Swedish reason."""


def check_workbook_archive(data: bytes) -> None:
    """Raise UnsafeWorkbook if the .xlsx in `data` could cost more than a budget."""
    if not openpyxl.DEFUSEDXML:  # (OPENPYXL_DEFUSEDXML=False, or defusedxml missing)
        raise UnsafeWorkbook(_("Excel-import är avstängd: servern saknar skydd mot XML-entiteter."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # not a zip: the caller's "cannot be read" applies
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise UnsafeWorkbook(
                _(
                    "Filen innehåller %(n)s delar; en Excel-arbetsbok med en budget har högst %(max)s."
                )
                % {"n": len(members), "max": MAX_MEMBERS}
            )
        total = 0
        for info in members:
            if info.compress_type not in ALLOWED_COMPRESSION:
                raise UnsafeWorkbook(
                    _("Filen är packad på ett sätt som Excel inte använder (%(name)s).")
                    % {"name": info.filename[:80]}
                )
            total += info.file_size
            if total > MAX_UNPACKED_BYTES:
                raise UnsafeWorkbook(
                    _("Filen blir större än %(mb)s MB uppackad; en budget är mycket mindre.")
                    % {"mb": MAX_UNPACKED_BYTES // (1024 * 1024)}
                )
            if info.file_size > MIN_RATIO_CHECK_BYTES and info.file_size > MAX_RATIO * max(
                info.compress_size, 1
            ):
                raise UnsafeWorkbook(
                    _(
                        "Filen är packad hårdare än en Excel-arbetsbok (%(ratio)s:1 i %(name)s, "
                        "högst %(max)s:1)."
                    )
                    % {
                        "ratio": info.file_size // max(info.compress_size, 1),
                        "name": info.filename[:80],
                        "max": MAX_RATIO,
                    }
                )
        counted = 0
        for info in members:
            name = info.filename.lower()
            if name.endswith(".xml") and (
                name.startswith("xl/worksheets/") or name == "xl/sharedstrings.xml"
            ):
                counted = _count_elements(archive, info, counted)


# The elements that become objects in openpyxl: cells, rows and shared strings.
_COUNTED = ("c", "row", "si")
# Excel's own limit on the text of a cell; a longer one is no workbook Excel wrote.
MAX_CELL_TEXT = 32767


def _count_elements(archive: zipfile.ZipFile, info: zipfile.ZipInfo, counted: int) -> int:
    try:
        with archive.open(info) as stream:
            for _event, element in iterparse(stream, events=("end",)):
                if element.text is not None and len(element.text) > MAX_CELL_TEXT:
                    raise UnsafeWorkbook(
                        _("En cell i filen har mer än %(max)s tecken, mer än Excel tillåter.")
                        % {"max": f"{MAX_CELL_TEXT:,}".replace(",", "\u00a0")}
                    )
                if element.tag.rpartition("}")[2] in _COUNTED:
                    counted += 1
                    if counted > MAX_CELLS:
                        raise UnsafeWorkbook(
                            _("Filen har fler än %(max)s celler; en budget har långt färre.")
                            % {"max": f"{MAX_CELLS:,}".replace(",", "\u00a0")}
                        )
                element.clear()
    except DefusedXmlException:
        raise UnsafeWorkbook(
            _("Filen innehåller XML-entiteter (%(name)s), som Excel aldrig skriver.")
            % {"name": info.filename[:80]}
        ) from None
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, SyntaxError):
        # A broken member (CRC error, bad XML: ParseError is a SyntaxError): openpyxl
        # will not read it either, and the caller says so.
        pass
    return counted
