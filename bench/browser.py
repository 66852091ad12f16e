"""What the load client needs of the pages, as a browser would read them: a form's
fields, the CSRF token, and a realistic change to the budget grid. Plain Python, no
locust (importing locust patches the standard library for gevent), so that
bench/load.py can use it too.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_AMOUNT = re.compile(r"^line-(\d+)-amount-(\d+)$")


class _FormParser(HTMLParser):
    """The fields of one form (by id), as a browser would post them."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[list[str]] = []
        self._textarea: list[str] | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if (
            tag == "input"
            and a.get("name")
            and a.get("type", "text") not in {"submit", "button", "checkbox", "radio"}
        ):
            self.fields.append([a["name"], a.get("value", "")])
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]
        elif tag == "select" and a.get("name"):
            self._select, self._select_value, self._first_option = a["name"], None, None
        elif tag == "option" and self._select is not None:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                self._select_value = a.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append(self._textarea)
            self._textarea = None
        elif tag == "select" and self._select is not None:
            value = self._select_value if self._select_value is not None else self._first_option
            self.fields.append([self._select, value or ""])
            self._select = None


def form_fields(html: str, form_id: str) -> list[list[str]]:
    parser = _FormParser(form_id)
    parser.feed(html)
    return parser.fields


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return match[1] if match else ""


def change_an_amount(fields: list[list[str]], round_no: int) -> None:
    """Change the first administration line's first non-empty amount by ±1 000 kr
    (alternating, so the budget stays as it was over two rounds)."""
    categories = {name.split("-")[1]: value for name, value in fields if name.endswith("-category")}
    candidates = [
        field
        for field in fields
        if (m := _AMOUNT.match(field[0]))
        and field[1].strip()
        and categories.get(m[1]) == "administration"
    ] or [field for field in fields if _AMOUNT.match(field[0]) and field[1].strip()]
    field = candidates[0]
    digits = re.sub(r"[\s\u00a0\u202f]", "", field[1]).replace(",", ".")
    amount = int(float(digits))
    field[1] = str(amount + (1000 if round_no % 2 == 0 else -1000))
