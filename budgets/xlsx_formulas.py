"""The budget workbook's formulas, computed: the values an Excel export carries with its
formulas (a mail preview or a reader that does not calculate shows the subtotals), and
what the tests recalculate after a row is inserted.

A small evaluator for the formulas budgets/excel.py writes, not for Excel at large:
numbers, text in quotes, cell and range references (on the same sheet or another, with or
without $), a range ending in INDEX(column, ROW()-1), the operators + - * / and the six
comparisons, and SUM, SUMIF (a text criterion, or "<>" for not empty), SUMPRODUCT, IF,
INDEX, ROW and ROUND. Anything else raises FormulaError, so that a new formula in the
export cannot go uncomputed unnoticed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.workbook import Workbook

from finsam.money import to_places

Value = Decimal | str | None
MAX_ROW = 1_048_576

TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<string>"(?:[^"]|"")*")
    | (?P<ref>(?:(?P<sheet>'(?:[^']|'')+'|[^\W\d][\w.]*)!)?
        (?:\$?(?P<col>[A-Z]{1,3})\$?(?P<row>\d+)|\$?(?P<wcol>[A-Z]{1,3}):\$?(?P<wcol2>[A-Z]{1,3})))
    | (?P<func>[A-Z][A-Z0-9.]*)(?=\()
    | (?P<number>\d+(?:\.\d+)?)
    | (?P<op><>|<=|>=|[-+*/=<>(),:])
    """,
    re.VERBOSE,
)


class FormulaError(ValueError):
    """A formula the evaluator does not know, or one that cannot be computed."""


@dataclass(frozen=True)
class Ref:
    sheet: str
    col1: int
    row1: int
    col2: int
    row2: int

    def cells(self) -> Iterator[tuple[int, int]]:
        for row in range(self.row1, self.row2 + 1):
            for col in range(self.col1, self.col2 + 1):
                yield row, col


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    match: re.Match[str]


def tokens(formula: str) -> list[Token]:
    """The formula (without its "=") as tokens; raises FormulaError on anything else."""
    out, at = [], 0
    while at < len(formula):
        match = TOKEN.match(formula, at)
        if match is None:
            raise FormulaError(f"okänt tecken i formeln vid {formula[at : at + 10]!r}")
        kind = match.lastgroup or ""
        if kind in ("sheet", "col", "row", "wcol", "wcol2"):
            kind = "ref"
        if kind != "space":
            out.append(Token(kind, match.group(0), match))
        at = match.end()
    return out


def sheet_name(quoted: str) -> str:
    return quoted[1:-1].replace("''", "'") if quoted.startswith("'") else quoted


def _number(value: object) -> Decimal:
    if value is None:
        return Decimal(0)
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    raise FormulaError(f"inte ett tal: {value!r}")


def _cell_value(value: object) -> Value:
    """A stored cell's value as the evaluator reads it."""
    if value is None or value == "":
        return None if value is None else ""
    if isinstance(value, str):
        return value
    return _number(value)


class Evaluator:
    """The value of any cell of `workbook`, its formulas computed on demand (once each)."""

    def __init__(self, workbook: Workbook) -> None:
        self.workbook = workbook
        self.values: dict[tuple[str, int, int], Value] = {}
        self._busy: set[tuple[str, int, int]] = set()

    def cell(self, sheet: str, coordinate: str) -> Value:
        """The value at "H12" (or "$H$12") of `sheet`."""
        col, row = coordinate_from_string(coordinate.replace("$", ""))
        return self.value(sheet, row, column_index_from_string(col))

    def value(self, sheet: str, row: int, col: int) -> Value:
        key = (sheet, row, col)
        if key in self.values:
            return self.values[key]
        if key in self._busy:
            raise FormulaError(f"cirkelreferens i {sheet}!{row}:{col}")
        cell = self.workbook[sheet].cell(row, col)
        raw = cell.value
        if cell.data_type == "f" and isinstance(raw, str) and raw.startswith("="):
            self._busy.add(key)
            try:
                result = self.formula(raw[1:], sheet, row)
            finally:
                self._busy.discard(key)
        else:
            result = _cell_value(raw)
        self.values[key] = result
        return result

    def formula(self, text: str, sheet: str, row: int) -> Value:
        parser = _Parser(tokens(text), sheet)
        node = parser.expression()
        if parser.at != len(parser.tokens):
            raise FormulaError(f"oväntat {parser.tokens[parser.at].text!r} i formeln")
        return self.scalar(self.evaluate(node, row))

    def scalar(self, value: Value | Ref) -> Value:
        if isinstance(value, Ref):
            if (value.row1, value.col1) != (value.row2, value.col2):
                raise FormulaError("ett område där ett värde väntas")
            return self.value(value.sheet, value.row1, value.col1)
        return value

    def range_values(self, value: Value | Ref) -> list[Value]:
        if isinstance(value, Ref):
            last = min(value.row2, self.workbook[value.sheet].max_row)
            return [self.value(value.sheet, r, c) for r, c in value.cells() if r <= last]
        return [value]

    def evaluate(self, node: Node, row: int) -> Value | Ref:
        """A node's value; IF computes only the branch it takes."""
        kind = node[0]
        if kind == "value":
            return node[1]
        if kind == "ref":
            return node[1]
        if kind == "range":
            start, end = self.evaluate(node[1], row), self.evaluate(node[2], row)
            if not (isinstance(start, Ref) and isinstance(end, Ref)):
                raise FormulaError("ett område slutar inte i en cell")
            return Ref(
                start.sheet,
                min(start.col1, end.col1),
                min(start.row1, end.row1),
                max(start.col2, end.col2),
                max(start.row2, end.row2),
            )
        if kind == "neg":
            return -_number(self.scalar(self.evaluate(node[1], row)))
        if kind == "op":
            op = node[1]
            left = self.scalar(self.evaluate(node[2], row))
            right = self.scalar(self.evaluate(node[3], row))
            if op in COMPARISONS:
                return _compare(op, left, right)
            a, b = _number(left), _number(right)
            if op == "+":
                return a + b
            if op == "-":
                return a - b
            if op == "*":
                return a * b
            if b == 0:
                raise FormulaError("division med noll")
            return a / b
        if kind == "call":
            name, args = node[1], node[2]
            if name == "IF":
                if len(args) not in (2, 3):
                    raise FormulaError("IF räknas här med två eller tre delar")
                condition = self.scalar(self.evaluate(args[0], row))
                if condition not in (None, "") and _number(condition) != 0:
                    return self.evaluate(args[1], row)
                return self.evaluate(args[2], row) if len(args) == 3 else Decimal(0)
            handler = FUNCTIONS.get(name)
            if handler is None:
                raise FormulaError(f"funktionen {name} räknas inte här")
            return handler(self, [self.evaluate(arg, row) for arg in args], row)
        raise FormulaError(f"okänd del av formeln: {kind}")


# A parsed formula: ("value", v), ("ref", Ref), ("range", start, end), ("neg", x),
# ("op", operator, left, right) or ("call", NAME, [arguments]).
Node = tuple
COMPARISONS = ("=", "<>", "<", ">", "<=", ">=")


class _Parser:
    """Recursive descent over the tokens, into nodes."""

    def __init__(self, toks: list[Token], sheet: str) -> None:
        self.tokens, self.sheet, self.at = toks, sheet, 0

    def peek(self) -> Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, text: str | None = None) -> Token:
        token = self.peek()
        if token is None or (text is not None and token.text != text):
            raise FormulaError(f"väntade {text or 'mer'!r} i formeln")
        self.at += 1
        return token

    def _next_is(self, *texts: str) -> str | None:
        token = self.peek()
        return token.text if token is not None and token.text in texts else None

    def expression(self) -> Node:
        left = self.additive()
        if op := self._next_is(*COMPARISONS):
            self.take()
            return ("op", op, left, self.additive())
        return left

    def additive(self) -> Node:
        node = self.term()
        while op := self._next_is("+", "-"):
            self.take()
            node = ("op", op, node, self.term())
        return node

    def term(self) -> Node:
        node = self.unary()
        while op := self._next_is("*", "/"):
            self.take()
            node = ("op", op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self._next_is("-"):
            self.take()
            return ("neg", self.unary())
        return self.primary()

    def primary(self) -> Node:
        token = self.take()
        if token.kind == "number":
            return ("value", Decimal(token.text))
        if token.kind == "string":
            return ("value", token.text[1:-1].replace('""', '"'))
        if token.text == "(":
            node = self.expression()
            self.take(")")
            return node
        if token.kind == "func":
            return ("call", token.text, self.arguments())
        if token.kind == "ref":
            node: Node = ("ref", self.reference(token))
            if self._next_is(":"):
                self.take()
                node = ("range", node, self.primary())
            return node
        raise FormulaError(f"oväntat {token.text!r} i formeln")

    def reference(self, token: Token) -> Ref:
        match = token.match
        sheet = sheet_name(match.group("sheet")) if match.group("sheet") else self.sheet
        if match.group("wcol"):
            first = column_index_from_string(match.group("wcol"))
            last = column_index_from_string(match.group("wcol2"))
            return Ref(sheet, first, 1, last, MAX_ROW)
        col = column_index_from_string(match.group("col"))
        row = int(match.group("row"))
        return Ref(sheet, col, row, col, row)

    def arguments(self) -> list[Node]:
        self.take("(")
        args: list[Node] = []
        if self._next_is(")"):
            self.take()
            return args
        while True:
            args.append(self.expression())
            if self.take().text == ")":
                return args


def _compare(op: str, left: Value, right: Value) -> Decimal:
    """Excel's comparison of two values (an empty cell is 0 or "", as compared)."""
    if isinstance(left, str) or isinstance(right, str):
        a = "" if left is None else left
        b = "" if right is None else right
        if not (isinstance(a, str) and isinstance(b, str)):
            equal, less = False, isinstance(a, Decimal)  # a number sorts before text
        else:
            equal, less = a.lower() == b.lower(), a.lower() < b.lower()
    else:
        a_num, b_num = _number(left), _number(right)
        equal, less = a_num == b_num, a_num < b_num
    result = {
        "=": equal,
        "<>": not equal,
        "<": less and not equal,
        ">": not less and not equal,
        "<=": less or equal,
        ">=": not less or equal,
    }[op]
    return Decimal(1 if result else 0)


def _numbers(values: list[Value]) -> list[Decimal]:
    return [v for v in values if isinstance(v, Decimal)]


def _sum(ev: Evaluator, args: list[Value | Ref], row: int) -> Value:
    total = Decimal(0)
    for arg in args:
        if isinstance(arg, Ref):
            total += sum(_numbers(ev.range_values(arg)), Decimal(0))
        else:
            total += _number(arg)
    return total


def _sumif(ev: Evaluator, args: list[Value | Ref], row: int) -> Value:
    if len(args) != 3 or not isinstance(args[0], Ref) or not isinstance(args[2], Ref):
        raise FormulaError("SUMIF räknas här med ett villkorsområde, ett villkor och ett område")
    criterion = ev.scalar(args[1])
    tests = ev.range_values(args[0])
    amounts = ev.range_values(args[2])
    if len(tests) != len(amounts):
        raise FormulaError("SUMIF:s områden är olika stora")

    def holds(value: Value) -> bool:
        if criterion == "<>":
            return value is not None and value != ""
        if isinstance(criterion, str):
            return isinstance(value, str) and value.lower() == criterion.lower()
        return value is not None and _compare("=", value, criterion) == 1

    return sum(
        (a for t, a in zip(tests, amounts, strict=True) if holds(t) and isinstance(a, Decimal)),
        Decimal(0),
    )


def _sumproduct(ev: Evaluator, args: list[Value | Ref], row: int) -> Value:
    columns = [ev.range_values(arg) for arg in args]
    if not columns or len({len(c) for c in columns}) != 1:
        raise FormulaError("SUMPRODUCT:s områden är olika stora")
    total = Decimal(0)
    for values in zip(*columns, strict=True):
        product = Decimal(1)
        for value in values:
            product *= value if isinstance(value, Decimal) else Decimal(0)
        total += product
    return total


def _index(ev: Evaluator, args: list[Value | Ref], row: int) -> Value | Ref:
    if len(args) != 2 or not isinstance(args[0], Ref):
        raise FormulaError("INDEX räknas här med ett område och ett radnummer")
    area = args[0]
    row = area.row1 + int(_number(ev.scalar(args[1]))) - 1
    if not area.row1 <= row <= area.row2 or area.col1 != area.col2:
        raise FormulaError("INDEX utanför sitt område")
    return Ref(area.sheet, area.col1, row, area.col1, row)


def _row(ev: Evaluator, args: list[Value | Ref], row: int) -> Value:
    if not args:
        return Decimal(row)
    if isinstance(args[0], Ref):
        return Decimal(args[0].row1)
    raise FormulaError("ROW räknas här med en cell eller utan argument")


def _round(ev: Evaluator, args: list[Value | Ref], row: int) -> Value:
    if len(args) != 2:
        raise FormulaError("ROUND räknas här med ett tal och antalet decimaler")
    value = _number(ev.scalar(args[0]))
    digits = int(_number(ev.scalar(args[1])))
    try:
        return to_places(value, digits)  # half up, away from zero, as Excel
    except InvalidOperation as exc:
        raise FormulaError("talet går inte att avrunda") from exc


# IF is the evaluator's own (it computes only the branch it takes).
FUNCTIONS: dict[str, Callable[[Evaluator, list[Value | Ref], int], Value | Ref]] = {
    "SUM": _sum,
    "SUMIF": _sumif,
    "SUMPRODUCT": _sumproduct,
    "INDEX": _index,
    "ROW": _row,
    "ROUND": _round,
}


def formula_values(workbook: Workbook) -> dict[tuple[str, str], Value]:
    """Every formula cell's value, by (sheet title, coordinate)."""
    ev = Evaluator(workbook)
    out: dict[tuple[str, str], Value] = {}
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" and isinstance(cell.value, str):
                    out[(ws.title, cell.coordinate)] = ev.value(ws.title, cell.row, cell.column)
    return out
