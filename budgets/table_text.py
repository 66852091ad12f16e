"""Reading the pieces of a pasted table (budgets/table_paste.py): a cell's amount,
a row's words and what kind of row it is, a column heading, and a member's or an
intervention's name."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from budgets.table_data import ACTUAL, BUDGET, COSTS, FORECAST, INCOME, KIND_LABELS, PLAN, UNITS
from finsam.money import too_large, whole_ore

# --- cells ------------------------------------------------------------------------------

SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007]+")
YEAR = re.compile(r"(?<![0-9])(19[5-9][0-9]|20[0-9]{2})(?![0-9])")
# Footnote marks after an amount or a label: ², *, **, a), (a).
FOOTNOTE_TAIL = re.compile(r"(?:\s*(?:[⁰¹²³⁴⁵⁶⁷⁸⁹]+|\*+)|\s+\(?[a-zåäö]\))+\s*$")
FOOTNOTE_MARK = re.compile(
    r"^\s*(?:[⁰¹²³⁴⁵⁶⁷⁸⁹]+|\*+|[a-zåäö]\)|\([a-zåäö]\)|[0-9]{1,2}\))\s*$", re.I
)
CELL_UNIT = re.compile(
    r"\s*(?P<unit>tkr|kkr|tsek|mkr|mnkr|msek|milj\.?\s*kr|kr\.?|sek|:-)\s*$", re.IGNORECASE
)
DASHES = "-−–—"
# Thousands grouped by spaces or dots (no leading zero), or plain digits; then a
# decimal comma or point. ASCII digits only: [0-9], not \d, which takes any script's.
NUMBER = re.compile(
    r"(?P<sign>[-+−–—])?\s*"
    r"(?P<int>[1-9][0-9]{0,2}(?: [0-9]{3})+|[1-9][0-9]{0,2}(?:\.[0-9]{3})+|[0-9]+)"
    r"(?:(?P<sep>[,.])(?P<frac>[0-9]+))?"
)
ALTERNATIVE = re.compile(r"^(?P<base>[^()]*?)\s*\((?P<alt>[^()]*)\)$")
HAS_ALTERNATIVE = re.compile(r"[0-9]\s*[⁰¹²³⁴⁵⁶⁷⁸⁹*]*\s*\(\s*[-−–]?\s*[0-9]")


def _unit_scale(text: str) -> tuple[str, Decimal] | None:
    """A unit named in a heading or title: "tkr", "(tkr)", "Belopp i tusental kronor"."""
    low = text.casefold()
    if re.search(
        r"(?<![a-zåäö])(mkr|mnkr|msek|mdkr|miljoner kronor|milj\.?\s*kr)(?![a-zåäö])", low
    ):
        return "Mkr", UNITS["Mkr"]
    if re.search(
        r"(?<![a-zåäö])(tkr|kkr|tsek|t\s?kr|tusental kronor|tusen kronor|tusentals kronor)"
        r"(?![a-zåäö])",
        low,
    ):
        return "tkr", UNITS["tkr"]
    if re.search(r"(?<![a-zåäö])(kr|kronor|sek)(?![a-zåäö])", low):
        return "kr", UNITS["kr"]
    return None


@dataclass(frozen=True)
class Cell:
    value: Decimal | None = None  # kronor, as printed (signs as in the table)
    alternative: Decimal | None = None
    ulp: Decimal = Decimal(1)  # the value of the last printed digit, in kronor
    percent: bool = False


class _CellError(ValueError):
    pass


def _number(text: str, scale: Decimal) -> tuple[Decimal, Decimal]:
    """A number written as people write them, in kronor, and its last digit's worth."""
    text = SPACES.sub(" ", text).strip()
    match = NUMBER.fullmatch(text)
    if not match:
        raise _CellError(
            _("»%(text)s« är inget belopp (skriv t.ex. 1 296 000, -1 296 000 eller 1 296 000 kr)")
            % {"text": text}
        )
    digits = match["int"].replace(" ", "").replace(".", "")
    frac = match["frac"] or ""
    if match["sep"] == "." and "." in match["int"]:
        raise _CellError(_("»%(text)s« är inget belopp") % {"text": text})
    try:
        value = Decimal(f"{digits}.{frac}" if frac else digits) * scale
    except InvalidOperation:
        raise _CellError(_("»%(text)s« är inget belopp") % {"text": text}) from None
    if match["sign"] and match["sign"] != "+":
        value = -value
    if too_large(value):
        raise _CellError(_("beloppet är för stort (högst 999 999 999 999,99 kr)"))
    if not whole_ore(value):
        raise _CellError(_("»%(text)s« ger fler än två decimaler i kronor") % {"text": text})
    return value, scale / (Decimal(10) ** len(frac))


def read_cell(text: str, *, scale: Decimal = Decimal(1), alternatives: bool = False) -> Cell:
    """One amount cell. `scale` is the column's unit in kronor; with `alternatives`
    the table writes alternatives in brackets, else brackets mean a negative amount.
    Raises ValueError with a Swedish message on anything it cannot read."""
    text = SPACES.sub(" ", text or "").strip()
    if not text or text in DASHES:
        return Cell()
    if text.endswith("%"):
        return Cell(percent=True)
    text = FOOTNOTE_TAIL.sub("", text).strip()
    if not text or text in DASHES:
        return Cell()
    match = ALTERNATIVE.fullmatch(text)
    if match and alternatives:
        base = FOOTNOTE_TAIL.sub("", match["base"]).strip()
        alt = read_cell(match["alt"], scale=scale).value
        value = read_cell(base, scale=scale) if base else Cell()
        return replace(value, alternative=alt)
    negative = False
    if match and not match["base"]:
        text, negative = match["alt"].strip(), True  # (545 000): accounting's negative
    unit = CELL_UNIT.search(text)
    if unit:
        found = _unit_scale(unit["unit"]) if unit["unit"] != ":-" else None
        scale = found[1] if found else scale
        text = text[: unit.start()].strip()
    try:
        value, ulp = _number(text, scale)
    except _CellError as exc:
        raise ValueError(str(exc)) from None
    return Cell(value=-value if negative else value, ulp=ulp)


# --- words ------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return re.findall(r"[0-9a-zåäöéüæø]+", text.casefold())


@functools.cache
def _stems_pattern(stems: tuple[str, ...], *, anywhere: bool) -> re.Pattern[str]:
    alternatives = "|".join(map(re.escape, stems))
    return re.compile(f"(?:{alternatives})" if anywhere else f"^(?:{alternatives})")


def _has(words: Sequence[str], stems: tuple[str, ...]) -> bool:
    """Does a word start with one of the stems (Swedish compounds: "lokalhyra")?"""
    pattern = _stems_pattern(stems, anywhere=False)
    return any(pattern.match(word) for word in words)


def _contains(words: Sequence[str], stems: tuple[str, ...]) -> bool:
    pattern = _stems_pattern(stems, anywhere=True)
    return any(pattern.search(word) for word in words)


SUMMA_WORDS = ("summa", "totalt", "total", "totala", "totalsumma", "delsumma", "sammanlagt")
INCOME_WORDS = ("intäkter", "intäkt", "inkomster", "inkomst")
COST_WORDS = ("kostnader", "kostnad", "utgifter", "utgift")
# Section headings: which side they are on (parts of compounds: "personalkostnader").
INCOME_SECTION = (
    "intäkt",
    "inkomst",
    "medlemsbidrag",
    "finansiering",
    "tilldelning",
    "driftsbidrag",
)
COST_SECTION = ("kostnad", "utgift", "insats", "kansli", "administration", "personal", "projekt")
ADMIN_SECTION = ("kansli", "administrat", "personal", "fasta")
INTERVENTION_SECTION = ("insats", "projekt")
RESULT_WORDS = (
    "resultat",
    "årsresultat",
    "nettoresultat",
    "avvikelse",
    "differens",
    "överskott",
    "underskott",
)
# The administration keywords of shared/spec/bundle.md (kansli, personal, styrelse,
# revision, lokal, IT, ekonomitjänster, bank) and the seeds' own words for them.
ADMIN_STEMS = (
    "kansli",
    "administrat",
    "personal",
    "lön",
    "arvod",
    "styrelse",
    "revision",
    "revisor",
    "ekonomi",
    "bokför",
    "redovisning",
    "lokal",
    "hyr",
    "kontor",
    "tele",
    "data",
    "dator",
    "kommunikation",
    "information",
    "hemsid",
    "webb",
    "rese",
    "resor",
    "sociala",
    "anställd",
    "arbetsgivaravgift",
    "förbundschef",
    "förvaltning",
    "bank",
    "försäkringar",
    "medlemsavgift",
    "gdpr",
    "representation",
    "porto",
    "utbildning",
    "konferens",
    "pension",
    "ombud",
)
ADMIN_WORDS = ("it",)
OTHER_COST_STEMS = ("utvärdering", "uppföljning", "effektmätning", "oförutsedd", "oförutsett")
# Money for interventions, linked or not: a reserve such as "Kvar att fördela" is an
# intervention line without an intervention (spec).
INTERVENTION_STEMS = ("förstudie", "reserv", "fördela", "samverkansteam")
INTERVENTION_WORDS = ("projekt", "team", "bidrag", "projektmedel")
CONTRIBUTION_STEMS = (
    "medlemsbidrag",
    "bidrag",
    "avgift",
    "tilldelning",
    "nettoomsättning",
    "omsättning",
    "driftsbidrag",
)
INCOME_STEMS = (
    "intäkt",
    "statsbidrag",
    "projektmedel",
    "esf",
    "ränteintäkt",
    "tilldelning",
    "medlemsbidrag",
    "driftsbidrag",
    "nettoomsättning",
)
NOTE_HEADINGS = ("not", "noter", "anm", "anmärkning", "kommentar", "kommentarer", "fotnot")
LABEL_HEADINGS = ("konto", "benämning", "post", "text", "rad", "kontonamn", "nr")
ACCOUNT_HEADINGS = ("konto", "kontonr", "kontonummer", "nr")


def _clean_label(text: str) -> str:
    """A label as printed, without list marks and footnote marks: "- Kansli *" → "Kansli"."""
    text = SPACES.sub(" ", text).strip()
    text = re.sub(r"^(?:[-–•·*]\s+|[0-9]{1,2}[.)]\s+(?=[^\s0-9]))", "", text)
    text = FOOTNOTE_TAIL.sub("", text).strip()
    return text.strip(" :")


def _heading_text(text: str) -> str:
    """A section heading: "fortsättning Kostnader" → "Kostnader"."""
    text = re.sub(r"^(fortsättning|forts\.?)\s+", "", _clean_label(text), flags=re.IGNORECASE)
    return text.strip(" :")


def _side_of(words: Sequence[str]) -> str | None:
    if _contains(words, INCOME_SECTION):
        return INCOME
    if _contains(words, COST_SECTION):
        return COSTS
    return None


def _without_brackets(text: str) -> str:
    return re.sub(r"\([^()]*\)", " ", text)


def _summa_rest(label: str) -> list[str]:
    """A Summa row's words after "Summa"/"Totalt", without years and brackets."""
    core = _words(_without_brackets(label)) or _words(label)
    return [w for w in core if w not in SUMMA_WORDS and not YEAR.fullmatch(w)]


def classify_row(label: str, *, costs_started: bool = False, after_result: bool = False) -> str:
    """What a row with amounts is, by its label: "ib" (opening equity), "ub" (closing
    equity), "result", "summa" (a printed subtotal or total) or "line".

    "Balanserat resultat" is carried surplus (IB) among the income and the result under
    the costs (Södra Vätterbygden prints both); "Eget kapital" is the IB above the
    result and the UB under it."""
    words = _words(label)
    core = _words(_without_brackets(label)) or words
    # "(IB)" in brackets counts here: words, not core.
    if "ub" in words or "utgående" in words or _find(words, ["årets", "slut"]):
        return "ub"
    if (
        "ib" in words
        or "ingående" in words
        or _find(core, ["föregående", "år"])
        or _find(words, ["årets", "början"])
        or (("balanserat" in core or "balanserade" in core) and not costs_started)
        or (_find(core, ["eget", "kapital"]) and not after_result)
    ):
        return "ib"
    if after_result and _find(core, ["eget", "kapital"]):
        return "ub"
    if any(w in RESULT_WORDS or w.endswith("resultat") for w in _summa_rest(label)):
        return "result"
    if core and (core[0] in SUMMA_WORDS or core[0].startswith("summa")):
        return "summa"
    return "line"


# --- columns ------------------------------------------------------------------------------

FORECAST_MARKS = ("förväntat", "beräknat", "prognos", "prognostiserat", "prel")
ACTUAL_MARKS = ("utfall", "bokslut", "verkligt", "redovisat", "årsredovisning")
PLAN_MARKS = ("plan", "flerårsplan", "planering", "budgetplan", "planår")
BUDGET_MARKS = ("budget", "budgetförslag", "förslag", "fastställd", "reviderad")


@dataclass(frozen=True)
class _Heading:
    kind: str  # amount, note, label, empty, unknown, problem
    year: int = 0
    column_kind: str = ""
    unit: tuple[str, Decimal] | None = None
    problem: str = ""
    named: bool = False  # the kind is written ("Budget 2021"), not only the year


def _column_kind(words: Sequence[str]) -> str | None:
    if any(w in FORECAST_MARKS or w.startswith("prognos") for w in words):
        return FORECAST
    if any(w in ACTUAL_MARKS for w in words):
        return ACTUAL
    if any(w in PLAN_MARKS for w in words):
        return PLAN
    if any(w in BUDGET_MARKS or w.startswith("budget") for w in words):
        return BUDGET
    return None


def read_heading(text: str, *, year: int) -> _Heading:
    """A header cell: an amount column (year and kind), a note column, or neither."""
    text = SPACES.sub(" ", text or "").strip()
    if not text:
        return _Heading("empty")
    words = _words(_without_brackets(text)) or _words(text)
    unit = _unit_scale(text)
    if words and words[0] in NOTE_HEADINGS and len(words) <= 2:
        return _Heading("note")
    years = sorted({int(y) for y in YEAR.findall(text)})
    kind = _column_kind(words)
    if not years:
        if kind is not None:
            return _Heading(
                "problem",
                problem=_("rubriken »%(text)s« saknar år (skriv t.ex. %(kind)s %(year)s)")
                % {"text": text, "kind": KIND_LABELS[kind], "year": year},
            )
        if words and words[0] in LABEL_HEADINGS:
            return _Heading("label")
        return _Heading("unknown", unit=unit)
    kind = None if kind is None else str(kind)
    if len(years) > 1:
        return _Heading(
            "problem",
            problem=_("rubriken »%(text)s« har flera år; en kolumn gäller ett år") % {"text": text},
        )
    col_year = years[0]
    named = kind is not None
    if kind is None:
        if col_year == year:
            kind = BUDGET
        elif col_year > year:
            kind = PLAN
        else:
            return _Heading(
                "problem",
                problem=_(
                    "rubriken »%(text)s« säger inte vad kolumnen är (skriv t.ex. Budget, "
                    "Prognos eller Utfall %(year)s)"
                )
                % {"text": text, "year": col_year},
            )
    # A later year of a multi-year plan is a plan column, whatever the table calls it:
    # the seeds print "Budget 2021" and "prognos för 2021" for the plan year 2020.
    if col_year > year and kind in (BUDGET, FORECAST):
        kind = PLAN
    return _Heading("amount", year=col_year, column_kind=kind, unit=unit, named=named)


# --- names --------------------------------------------------------------------------------

# A contribution line names its payer; "Staten" and "FK" mean Försäkringskassan, which
# pays the state's whole half, Arbetsförmedlingen's part included (5 § lag (2003:1210)).
ALIASES = {"fk": "försäkringskassan", "af": "arbetsförmedlingen", "staten": "försäkringskassan"}
STATE_PAYER = "försäkringskassan"


def _same(a: str, b: str) -> bool:
    """Equal words, or one the genitive of the other: "Jönköping" and "Jönköpings"."""
    return a == b or a + "s" == b or b + "s" == a


def _find(hay: Sequence[str], needle: Sequence[str]) -> bool:
    n = len(needle)
    return n > 0 and any(
        all(_same(hay[i + j], needle[j]) for j in range(n)) for i in range(len(hay) - n + 1)
    )


def _abbreviates(label: Sequence[str], name: Sequence[str]) -> bool:
    """ "Kunskapssatsn stressrel ohälsa" for "Kunskapssatsning stressrelaterad ohälsa"."""
    n = len(label)
    if n < 2:
        return False
    for i in range(len(name) - n + 1):
        pairs = list(zip(label, name[i : i + n], strict=True))
        if all(len(a) >= 3 and b.startswith(a) for a, b in pairs) and any(a != b for a, b in pairs):
            return True
    return False


def _name_words(text: str, *, aliases: bool) -> list[str]:
    words = [w for w in _words(text) if not YEAR.fullmatch(w) and not re.fullmatch(r"[0-9]+", w)]
    return [ALIASES.get(w, w) for w in words] if aliases else words


def _main_part(label: str) -> str:
    """What a label is about: "Finsamteam inkl lots och insatskatalog (Om ESF)" → "Finsamteam"."""
    text = re.split(r"\(|\s(?:inkl\.?|inklusive|exkl\.?|exklusive)\s", label, maxsplit=1)[0]
    return text.strip()


def _stem(word: str) -> str:
    """Words that can match share their first three letters (genitive s, abbreviation)."""
    return word[:3]


class NameIndex:
    """A förbund's names (members or interventions), ready to match labels against.
    A name "X – Y" or "X, Y" is found by its parts too ("Projekt SAMS – SAMverkan i
    Södra Vätterbygden" by "Projekt SAMS")."""

    def __init__(self, names: Sequence[str], *, aliases: bool = False) -> None:
        self.aliases = aliases
        self.parts: list[tuple[str, list[str]]] = []  # (name, words of one of its parts)
        self.by_stem: dict[str, set[int]] = {}
        for name in dict.fromkeys(names):
            for part in [name, *re.split(r"\s[-–—]\s|,\s|:\s", name)]:
                words = _name_words(part, aliases=aliases)
                if words:
                    for word in words:
                        self.by_stem.setdefault(_stem(word), set()).add(len(self.parts))
                    self.parts.append((name, words))
        self.payers = {name for name in names if STATE_PAYER in _name_words(name, aliases=True)}

    def match(self, label: str) -> tuple[str | None, list[str]]:
        """The name a line's label names, and the names it could equally be (when more
        than one fits equally well, none is chosen)."""
        full = _name_words(label, aliases=self.aliases)
        main = _name_words(_main_part(label), aliases=self.aliases)
        if not full:
            return None, []
        candidates = set().union(*(self.by_stem.get(_stem(w), set()) for w in full))
        scores: dict[str, int] = {}
        for index in sorted(candidates):
            name, words = self.parts[index]
            if len(words) == len(full) and all(map(_same, words, full)):
                score = 100
            elif main and len(words) == len(main) and all(map(_same, words, main)):
                score = 95
            elif _find(main, words):
                score = 80
            elif _find(words, main):
                score = 70
            elif _abbreviates(main, words):
                score = 60
            else:
                continue
            scores[name] = max(score, scores.get(name, 0))
        if not scores:
            return None, []
        top = max(scores.values())
        tied = [name for name, score in scores.items() if score == top]
        if len(tied) == 1:
            return tied[0], []
        payers = [name for name in tied if name in self.payers]
        if self.aliases and len(payers) == 1:
            return payers[0], []
        return None, tied


def match_name(
    label: str, names: Sequence[str], *, aliases: bool = False
) -> tuple[str | None, list[str]]:
    """`NameIndex(names, aliases=aliases).match(label)`: for one label."""
    return NameIndex(names, aliases=aliases).match(label)
