"""What a screen reader gets from a tagged PDF, read with pikepdf: the text of each
marked-content sequence (through the fonts' ToUnicode maps), which of it the structure
tree reaches, and which is an artifact. For the tests of issue 17, point 1."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import pikepdf

_HEX_PAIR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")
_HEX_RANGE = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")


def _unicode_map(font: pikepdf.Dictionary) -> dict[int, str]:
    """A Type0 font's ToUnicode (bfchar and bfrange, as WeasyPrint writes them)."""
    mapping: dict[int, str] = {}
    if "/ToUnicode" not in font:
        return mapping
    cmap = font.ToUnicode.read_bytes()
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in _HEX_PAIR.findall(block):
            mapping[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for start, end, first in _HEX_RANGE.findall(block):
            base = int(first, 16)
            for offset, code in enumerate(range(int(start, 16), int(end, 16) + 1)):
                mapping[code] = chr(base + offset)
    return mapping


@dataclass
class PageText:
    by_mcid: dict[int, str] = field(default_factory=dict)  # marked content with an MCID
    artifacts: list[str] = field(default_factory=list)  # inside /Artifact
    unmarked: list[str] = field(default_factory=list)  # in no marked content at all


def _decode(operand: object, unicode: dict[int, str]) -> str:
    if isinstance(operand, pikepdf.Array):
        return "".join(
            _decode(item, unicode) for item in operand if isinstance(item, pikepdf.String)
        )
    raw = bytes(operand)  # type: ignore[call-overload]
    return "".join(
        unicode.get(int.from_bytes(raw[i : i + 2], "big"), "") for i in range(0, len(raw), 2)
    )


def _read_stream(
    stream: object, resources: pikepdf.Dictionary, page: PageText, marks: list
) -> None:
    fonts = resources.get("/Font", {})
    xobjects = resources.get("/XObject", {})
    unicode: dict[int, str] = {}
    for operands, operator in pikepdf.parse_content_stream(stream):
        name = str(operator)
        if name == "BDC":
            tag, properties = operands
            mcid = properties.get("/MCID") if isinstance(properties, pikepdf.Dictionary) else None
            marks.append((str(tag), None if mcid is None else int(mcid)))
        elif name == "BMC":
            marks.append((str(operands[0]), None))
        elif name == "EMC":
            marks.pop()
        elif name == "Tf":
            font = fonts.get(str(operands[0]))
            unicode = _unicode_map(font) if font is not None else {}
        elif name in ("Tj", "TJ", "'", '"'):
            text = _decode(operands[-1], unicode)
            mcid = next((m for _, m in reversed(marks) if m is not None), None)
            if any(tag == "/Artifact" for tag, _ in marks):
                page.artifacts.append(text)
            elif mcid is not None:
                page.by_mcid[mcid] = page.by_mcid.get(mcid, "") + text
            else:
                page.unmarked.append(text)
        elif name == "Do":
            xobject = xobjects.get(str(operands[0]))
            if xobject is not None and xobject.get("/Subtype") == "/Form":
                _read_stream(xobject, xobject.get("/Resources", resources), page, marks)


@dataclass
class Structure:
    pages: list[PageText]
    tree_text: list[str]  # per page: the text the structure tree reaches, in MCID order

    def artifact_text(self, page: int) -> str:
        return "".join(self.pages[page].artifacts)


def read_structure(content: bytes) -> Structure:
    pdf = pikepdf.open(io.BytesIO(content))
    pages = []
    for page in pdf.pages:
        text = PageText()
        _read_stream(page.obj, page.obj.get("/Resources", pikepdf.Dictionary()), text, [])
        pages.append(text)
    page_index = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}

    reached: list[set[int]] = [set() for _ in pages]

    def walk(element: object, page: int | None) -> None:
        if isinstance(element, int):
            if page is not None:
                reached[page].add(element)
            return
        if not isinstance(element, pikepdf.Dictionary):
            if isinstance(element, pikepdf.Array):
                for kid in element:
                    walk(kid, page)
            return
        if "/Pg" in element:
            page = page_index.get(element.Pg.objgen, page)
        if element.get("/Type") == "/MCR":
            walk(int(element.MCID), page)
            return
        kids = element.get("/K")
        if kids is not None:
            walk(kids, page)

    walk(pdf.Root.StructTreeRoot.get("/K"), None)
    tree_text = [
        "".join(text.by_mcid[m] for m in sorted(reached[i]) if m in text.by_mcid)
        for i, text in enumerate(pages)
    ]
    return Structure(pages=pages, tree_text=tree_text)
