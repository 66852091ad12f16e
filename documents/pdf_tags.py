"""What WeasyPrint's tagged PDF leaves for us to finish before it is written (its
`finisher`, which gets the laid-out document and the PDF's objects).

- The page margins (the running header and footer, the page numbers) are marked
  content with a structure element of their own, but that element hangs in no tree.
  WeasyPrint says why: an Artifact structure element is PDF 2.0 only. So a screen
  reader still met "sida 3 av 14" on every page. Here that content becomes what PDF 1.7
  has for it: an `/Artifact` marked-content sequence (of type Pagination), outside the structure, and the
  parent tree no longer points at it.
- A header cell (TH) gets the Scope its HTML `scope` gives (Column by default), so that
  a table's headers are tied to its cells without guessing.

The draft's watermark (a page background) and the contents' dots (a background) are
artifacts already: WeasyPrint draws backgrounds as such.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pydyf

SCOPES = {"row": "/Row", "rowgroup": "/Row", "col": "/Column", "colgroup": "/Column"}


def finish_tags(document: Any, pdf: pydyf.PDF) -> None:
    """WeasyPrint's `finisher`: margins as artifacts, header cells with their scope."""
    if "StructTreeRoot" not in pdf.catalog:
        return
    _scope_header_cells(document)
    _margins_as_artifacts(pdf)


def _boxes(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", ()):
        yield from _boxes(child)


def _scope_header_cells(document: Any) -> None:
    for page in document.pages:
        for box in _boxes(page._page_box):
            element = getattr(box, "mark", None)
            if element is None or box.element is None or box.element_tag != "th":
                continue
            scope = SCOPES.get((box.element.get("scope") or "").strip().lower(), "/Column")
            element["A"]["Scope"] = scope


def _object(pdf: pydyf.PDF, reference: Any) -> Any:
    """The object a reference (b"12 0 R") names; anything else as it is."""
    if isinstance(reference, bytes) and reference.endswith(b" R"):
        return pdf.objects[int(reference.split()[0])]
    return reference


def _reachable(pdf: pydyf.PDF, root: pydyf.Dictionary) -> set[int]:
    """The numbers of the structure elements the tree reaches from its root."""
    seen: set[int] = set()
    pending = list(_object(pdf, root["K"]))
    while pending:
        element = _object(pdf, pending.pop())
        if not isinstance(element, pydyf.Dictionary) or element.number in seen:
            continue
        seen.add(element.number)
        kids = element.get("K")
        if isinstance(kids, list):
            pending.extend(kid for kid in kids if isinstance(kid, bytes))
    return seen


def _margins_as_artifacts(pdf: pydyf.PDF) -> None:
    root = _object(pdf, pdf.catalog["StructTreeRoot"])
    parent_tree = _object(pdf, root["ParentTree"])
    reachable = _reachable(pdf, root)

    # Per page (its StructParents number): the MCIDs whose element is in no tree.
    outside: dict[int, set[int]] = {}
    numbers = parent_tree["Nums"]
    for key, value in zip(numbers[::2], numbers[1::2], strict=True):
        if not isinstance(value, list):
            continue  # an annotation's entry
        for mcid, reference in enumerate(value):
            element = _object(pdf, reference)
            if isinstance(element, pydyf.Dictionary) and element.number not in reachable:
                outside.setdefault(key, set()).add(mcid)
                value[mcid] = b"null"
    if not outside:
        return

    # Each page's streams share one tags dictionary with its content stream (its
    # form XObjects are clones), which says which page an MCID belongs to.
    page_of_tags: dict[int, int] = {}
    for item in pdf.objects:
        if isinstance(item, pydyf.Dictionary) and "StructParents" in item and "Contents" in item:
            contents = _object(pdf, item["Contents"])
            tags = getattr(contents, "_tags", None)
            if tags is not None:
                page_of_tags[id(tags)] = item["StructParents"]
    for item in pdf.objects:
        tags = getattr(item, "_tags", None)
        if not isinstance(item, pydyf.Stream) or tags is None:
            continue
        mcids = outside.get(page_of_tags.get(id(tags), -1))
        if mcids:
            item.stream = _as_artifacts(item.stream, mcids)


def _as_artifacts(operations: list[Any], mcids: set[int]) -> list[Any]:
    """`/P <</MCID 3>> BDC` becomes `/Artifact <</Type /Pagination>> BDC` for the given
    MCIDs; the EMC that ends it stays as it is."""
    result: list[Any] = []
    index = 0
    while index < len(operations):
        operation = operations[index]
        if (
            isinstance(operation, str)
            and operation.startswith("/")
            and index + 2 < len(operations)
            and isinstance(operations[index + 1], pydyf.Dictionary)
            and operations[index + 1].get("MCID") in mcids
            and operations[index + 2] == b"BDC"
        ):
            result += ["/Artifact", pydyf.Dictionary({"Type": "/Pagination"}), b"BDC"]
            index += 3
            continue
        result.append(operation)
        index += 1
    return result
