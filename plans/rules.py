"""Pure rules of the plan year: the adoption's deadline and warnings, how next
year's plan moves dates and years, and which of a budget's columns plan which
years (the budget's column codes are the plan year's: budgets/rules.py and
interventions/freeze.py both read them here). Plain values in, plain values out;
no ORM."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from finsam.findings import SEVERITY_LABELS, WARNING, Finding
from finsam.money import swedish_date
from finsam.text import is_whole_number

COLUMN_KINDS = ("budget", "plan", "forecast", "actual")


def column_code(year: int, kind: str) -> str:
    return f"{year}:{kind}"


def parse_column_code(code: str) -> tuple[int, str]:
    year, _sep, kind = code.partition(":")
    if not is_whole_number(year) or kind not in COLUMN_KINDS:
        raise ValueError(f"ogiltig kolumn {code!r}")
    return int(year), kind


def is_planning_column(budget_year: int, column_year: int, kind: str) -> bool:
    """Whether a budget's column plans a year: the budget year's `budget` column and
    every later year's `plan` column do; forecasts, actuals and earlier years are
    for comparison."""
    return (column_year == budget_year and kind == "budget") or (
        column_year > budget_year and kind == "plan"
    )


def planning_columns(year: int, columns: Iterable[str]) -> list[str]:
    """The planning columns of the budget for `year`, in year order."""
    chosen = []
    for code in columns:
        col_year, kind = parse_column_code(code)
        if is_planning_column(year, col_year, kind):
            chosen.append((col_year, code))
    return [code for _year, code in sorted(chosen)]


def decision_deadline(year: int) -> date:
    """The last day to adopt the plan and budget for `year`: 30 November of the
    year before (lag (2003:1210) om finansiell samordning)."""
    return date(year - 1, 11, 30)


def decision_deadline_findings(
    *, year: int, decided_on: date | None, decision_meeting_on: date | None
) -> Iterable[Finding]:
    """The plan and budget are adopted by the deadline."""
    deadline = decision_deadline(year)
    for when, what in ((decided_on, "fastställdes"), (decision_meeting_on, "ska fastställas")):
        if when is not None and when > deadline:
            yield Finding(
                rule="decision-deadline",
                severity=WARNING,
                year=year,
                message=(
                    f"Verksamhetsplan och budget {year} {what} {swedish_date(when)}, "
                    f"efter den {swedish_date(deadline)}."
                ),
            )
            return


def adoption_warnings(
    *, year: int, decided_on: date, members_meetings: Iterable[date]
) -> list[str]:
    """What the board should know when it adopts the plan for `year` on `decided_on`.

    The law (2003:1210) and the förbundsordningar: the plan and budget are adopted
    before 30 November of the year before (the same rule as the budget's
    decision-deadline finding), after the members have been consulted
    (medlemssamråd) that year or the year before."""
    warnings = [
        finding.message
        for finding in decision_deadline_findings(
            year=year, decided_on=decided_on, decision_meeting_on=None
        )
    ]
    if not members_consulted(year=year, decided_on=decided_on, members_meetings=members_meetings):
        warnings.append(
            f"Inget medlemssamråd finns i årshjulet mellan 1 januari {year - 1} och "
            f"beslutsdagen {swedish_date(decided_on)}. Medlemmarna ska höras innan "
            f"styrelsen fastställer verksamhetsplan och budget."
        )
    return warnings


def members_consulted(*, year: int, decided_on: date, members_meetings: Iterable[date]) -> bool:
    """Whether a medlemssamråd was held before the decision on `decided_on`: that
    year or the year before (from 1 January of the year before the plan year)."""
    earliest = date(year - 1, 1, 1)
    return any(earliest <= day <= decided_on for day in members_meetings)


# --- what should stop the director before she adopts or publishes --------------------


@dataclass(frozen=True)
class Stopper:
    """One thing the confirmation before adopting or publishing lists: what
    should make her stop (it never refuses; she confirms or cancels). `url` and
    `link_text` point to where it is put right; `items` are its parts, each
    (text, url), e.g. the open comments."""

    rule: str
    message: str
    severity: str = WARNING
    url: str = ""
    link_text: str = ""
    items: tuple[tuple[str, str], ...] = ()

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]

    @property
    def is_error(self) -> bool:
        return self.severity != WARNING


def open_comments_stopper(
    open_comments: Sequence[tuple[str, str]], *, url: str = ""
) -> list[Stopper]:
    """The comment threads that are neither resolved nor withdrawn, each (text,
    url of the thread): one stopper that counts them and lists them."""
    count = len(open_comments)
    if not count:
        return []
    message = "1 kommentar är inte löst." if count == 1 else f"{count} kommentarer är inte lösta."
    return [
        Stopper(
            rule="open-comments",
            message=message,
            url=url,
            link_text="Visa de öppna kommentarerna",
            items=tuple(open_comments),
        )
    ]


def publish_stoppers(
    *,
    open_comments: Sequence[tuple[str, str]],
    comments_url: str = "",
    adopted_revision: int,
    adopted_on: date,
    current_revision: int,
    decided: bool,
) -> list[Stopper]:
    """What the confirmation before publishing lists: open comments, and a new
    revision being prepared (what is published is the adopted version's PDF, not
    the revision's draft)."""
    stoppers = open_comments_stopper(open_comments, url=comments_url)
    if current_revision != adopted_revision or not decided:
        stoppers.append(
            Stopper(
                rule="not-the-adopted-revision",
                message=(
                    f"Revision {current_revision} bereds och är inte fastställd. Det som "
                    f"publiceras är den fastställda revisionen {adopted_revision} från "
                    f"{swedish_date(adopted_on)} och dess PDF, inte utkastet."
                ),
            )
        )
    return stoppers


def meeting_window(year: int) -> tuple[date, date]:
    """The dates a meeting of the plan for `year` may have: the plan year and the
    year on each side (the plan is prepared and adopted the year before, and the
    årshjul may name next year's first dates)."""
    return date(year - 1, 1, 1), date(year + 1, 12, 31)


def meeting_date_error(*, year: int, day: date) -> str | None:
    """Why `day` cannot be a meeting of the plan for `year`, or None."""
    first, last = meeting_window(year)
    if first <= day <= last:
        return None
    return (
        f"Mötets datum ska ligga mellan {swedish_date(first)} och {swedish_date(last)} "
        f"(planåret {year} och året före och efter)."
    )


def same_date_next_year(day: date) -> date:
    """29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def same_weekday_next_year(day: date) -> date:
    """The same weekday, as near as can be to the same date a year on (at most
    three days away), and in the next year."""
    target = same_date_next_year(day)
    delta = (day.weekday() - target.weekday()) % 7
    if delta > 3:
        delta -= 7
    moved = target + timedelta(days=delta)
    if moved.year < target.year:
        moved += timedelta(days=7)
    elif moved.year > target.year:
        moved -= timedelta(days=7)
    return moved


YEAR = re.compile(r"(?<!\d)(19|20)(\d\d)(?!\d)")


def shift_years(text: str, *, first: int, last: int) -> str:
    """Every year from `first` to `last` in the text, one year on (in one pass, so
    "2020–2021" becomes "2021–2022", not "2022–2022")."""

    def one_on(match: re.Match[str]) -> str:
        year = int(match.group(0))
        return str(year + 1) if first <= year <= last else match.group(0)

    return YEAR.sub(one_on, text)


def mentions_year(text: str, year: int) -> bool:
    return any(int(m.group(0)) == year for m in YEAR.finditer(text))
