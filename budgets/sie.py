"""SIE files (types 2–4, "klassisk SIE" 4B) as the accounting programs export them:
the year's actuals per account and month, and what in the file does not add up.

PyPI has no parser to lean on: pysie-accounting (0.0.2, type 4 only, on pandas, two
releases) was the only one found; the maintained parsers are .NET (jsisie), Ruby (sie)
and Rust (sie4). So this is a small one of our own, pure (bytes in, figures out), and
tested against the real exports in ../shared/sie/ and against files made for each rule.

The rules, from the format (see ../shared/sie/README.md):
- The text is code page 437 (#FORMAT PC8). A file that is valid UTF-8 with letters
  beyond ASCII was written as UTF-8 by its exporter: it is read as such, with a warning.
  A mangled name stays mangled; nothing in a name stops an import.
- A record is `#TAG field …`: fields split on spaces and tabs, "quoted" with \\" inside,
  object lists in braces. An unknown tag is skipped.
- `#RAR 0 start end` is the fiscal year the actuals are for; it need not be a calendar
  year. A result account is 3000–8999.
- Actuals come from the vouchers (#VER with its #TRANS rows) when the file has any,
  otherwise from the period balances (#PSALDO of year 0 with an empty object list; rows
  with objects break the total down and are not added again).
- `#RTRANS` is a row added after registration; the `#TRANS` that copies it right after
  (for older readers) is not counted twice. `#BTRANS` is a removed row and counts for
  nothing.
- Every voucher balances. One that does not is named (series, number, date,
  difference) in `unbalanced`, and the import refuses the whole file.
- A row on an account that is no account number (`#TRANS FEL …`) is named in the
  warnings with its amount, and so is an account whose #RES disagrees with its vouchers
  or period balances, with both figures. The total is #RES when the file has it.
- `#KSUMMA`: the file's CRC-32 over its records (each record's characters without the
  separating blanks, the quotes and the braces) is checked; a mismatch is a warning.
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from finsam.money import format_kr, to_places

RESULT_ACCOUNTS = range(3000, 9000)
ZERO = Decimal("0")


class SieError(ValueError):
    """A file that cannot be read as SIE at all (no fiscal year, not text)."""


@dataclass(frozen=True)
class Field:
    text: str
    quoted: bool = False


@dataclass(frozen=True)
class Record:
    line: int
    tag: str
    fields: tuple[Field | tuple[str, ...], ...]
    checksum_text: str  # the record's characters as #KSUMMA counts them


def _decode(data: bytes) -> tuple[str, list[str]]:
    if any(byte > 0x7F for byte in data):
        try:
            return data.decode("utf-8"), [
                "Filen är skriven som UTF-8, inte som PC8 (kodsida 437) som SIE "
                "föreskriver. Den lästes som UTF-8."
            ]
        except UnicodeDecodeError:
            pass
    return data.decode("cp437"), []


def _split(line: str) -> list[Field | tuple[str, ...]]:
    """A record's fields: plain words, "quoted" text and {object lists}. An
    unterminated quote or brace runs to the end of the line."""
    fields: list[Field | tuple[str, ...]] = []
    index, length = 0, len(line)
    while index < length:
        char = line[index]
        if char in " \t":
            index += 1
        elif char == '"':
            text, index = _quoted(line, index + 1)
            fields.append(Field(text, quoted=True))
        elif char == "{":
            end = line.find("}", index)
            inner = line[index + 1 : end if end >= 0 else length]
            index = end + 1 if end >= 0 else length
            fields.append(tuple(f.text for f in _split(inner) if isinstance(f, Field)))
        else:
            end = index
            while end < length and line[end] not in " \t":
                end += 1
            fields.append(Field(line[index:end]))
            index = end
    return fields


def _quoted(line: str, index: int) -> tuple[str, int]:
    chars: list[str] = []
    while index < len(line):
        char = line[index]
        if char == "\\" and index + 1 < len(line) and line[index + 1] == '"':
            chars.append('"')
            index += 2
        elif char == '"':
            return "".join(chars), index + 1
        else:
            chars.append(char)
            index += 1
    return "".join(chars), index


def _checksum_text(tag: str, fields: list[Field | tuple[str, ...]]) -> str:
    parts = [tag]
    for item in fields:
        parts.extend(item if isinstance(item, tuple) else [item.text])
    return "".join(parts)


def records(text: str) -> list[Record]:
    """Every #record (and the voucher braces, as tags "{" and "}"), in file order."""
    result = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().lstrip("\ufeff")
        if line in ("{", "}"):
            result.append(Record(number, line, (), ""))
            continue
        if not line.startswith("#"):
            continue
        tag = re.split(r"[ \t]", line, maxsplit=1)[0]
        fields = _split(line[len(tag) :])
        tag = tag.upper()
        result.append(Record(number, tag, tuple(fields), _checksum_text(tag, fields)))
    return result


@dataclass(frozen=True)
class Row:
    account: str
    objects: tuple[str, ...]
    amount: Decimal
    line: int


@dataclass
class Voucher:
    series: str
    number: str
    on: date | None
    text: str
    line: int
    rows: list[Row] = field(default_factory=list)

    @property
    def difference(self) -> Decimal:
        return sum((row.amount for row in self.rows), ZERO)

    def describe(self) -> str:
        when = self.on.isoformat() if self.on else "utan datum"
        return f"verifikation {self.series} {self.number} ({when})".replace("  ", " ")


@dataclass(frozen=True)
class Unbalanced:
    series: str
    number: str
    date: str
    difference: Decimal

    def message(self) -> str:
        return (
            f"Verifikation {self.series} {self.number} ({self.date or 'utan datum'}) går "
            f"inte ihop: raderna summerar till {format_kr(self.difference)}, inte 0 kr."
        )


@dataclass
class SieFile:
    program: str = ""
    company: str = ""
    organisation_number: str = ""
    sie_type: str = ""
    fiscal_years: dict[int, tuple[date, date]] = field(default_factory=dict)
    account_names: dict[str, str] = field(default_factory=dict)
    results: dict[tuple[int, str], Decimal] = field(default_factory=dict)
    period_balances: dict[tuple[int, str, str], Decimal] = field(default_factory=dict)
    vouchers: list[Voucher] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def fiscal_year(self) -> tuple[date, date]:
        return self.fiscal_years[0]


def _text(fields: tuple, index: int) -> str:
    if index < len(fields) and isinstance(fields[index], Field):
        return fields[index].text
    return ""


def _amount(value: str) -> Decimal | None:
    try:
        amount = Decimal(value.replace(",", ".").replace("\u2212", "-"))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def _date(value: str) -> date | None:
    if not re.fullmatch(r"\d{8}", value):
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None


def _year_index(value: str) -> int | None:
    return int(value) if re.fullmatch(r"[-+]?\d{1,2}", value) else None


def parse(data: bytes) -> SieFile:
    """The file's records read into what the actuals need. Raises SieError when it has
    no fiscal year 0 (#RAR 0), the one thing nothing can be made of without."""
    text, warnings = _decode(data)
    if "\x00" in text:
        raise SieError("Filen är inte en SIE-fil: den är inte text.")
    sie = SieFile(warnings=warnings)
    all_records = records(text)
    _check_sum(all_records, sie)
    voucher: Voucher | None = None
    in_rows = False
    copy_of: Row | None = None  # the #RTRANS whose #TRANS copy comes next
    for record in all_records:
        tag, fields = record.tag, record.fields
        if tag == "{":
            in_rows = voucher is not None
            continue
        if tag == "}":
            voucher, in_rows, copy_of = None, False, None
            continue
        if in_rows and voucher is not None and tag in ("#TRANS", "#RTRANS", "#BTRANS"):
            row = _row(record, voucher, sie)
            if row is None or tag == "#BTRANS":
                copy_of = None
                continue
            if tag == "#TRANS" and copy_of is not None:
                same = (copy_of.account, copy_of.amount) == (row.account, row.amount)
                copy_of = None
                if same:
                    continue
            if tag == "#RTRANS":
                copy_of = row
            voucher.rows.append(row)
            continue
        copy_of = None
        if tag == "#PROGRAM":
            sie.program = " ".join(t for t in (_text(fields, 0), _text(fields, 1)) if t)
        elif tag == "#FNAMN":
            sie.company = _text(fields, 0)
        elif tag == "#ORGNR":
            sie.organisation_number = _text(fields, 0)
        elif tag == "#SIETYP":
            sie.sie_type = _text(fields, 0)
        elif tag == "#RAR":
            index, start, end = (
                _year_index(_text(fields, 0)),
                _date(_text(fields, 1)),
                _date(_text(fields, 2)),
            )
            if index is None or start is None or end is None or end < start:
                sie.warnings.append(f"Rad {record.line}: räkenskapsåret (#RAR) kan inte läsas.")
            else:
                sie.fiscal_years[index] = (start, end)
        elif tag == "#KONTO":
            sie.account_names[_text(fields, 0)] = _text(fields, 1)
        elif tag == "#RES":
            _result(record, sie)
        elif tag == "#PSALDO":
            _period_balance(record, sie)
        elif tag == "#VER":
            voucher = Voucher(
                series=_text(fields, 0),
                number=_text(fields, 1),
                on=_date(_text(fields, 2)),
                text=_text(fields, 3),
                line=record.line,
            )
            sie.vouchers.append(voucher)
        # Any other tag (#IB, #UB, #KTYP, #OBJEKT, #PBUDGET, #SRU, …) is not needed
        # for the actuals, and an unknown one is skipped, as the format says.
    if 0 not in sie.fiscal_years:
        raise SieError(
            "Filen saknar räkenskapsår 0 (#RAR 0 med start- och slutdatum), så det går "
            "inte att veta vilket år utfallet gäller."
        )
    return sie


def _row(record: Record, voucher: Voucher, sie: SieFile) -> Row | None:
    fields = record.fields
    account = _text(fields, 0)
    objects = fields[1] if len(fields) > 1 and isinstance(fields[1], tuple) else ()
    amount_at = 2 if len(fields) > 1 and isinstance(fields[1], tuple) else 1
    amount = _amount(_text(fields, amount_at))
    if amount is None:
        sie.warnings.append(
            f"Rad {record.line} ({voucher.describe()}): beloppet "
            f"\u201d{_text(fields, amount_at)}\u201d kan inte läsas; raden är inte med."
        )
        return None
    return Row(account=account, objects=objects, amount=amount, line=record.line)


def _result(record: Record, sie: SieFile) -> None:
    fields = record.fields
    index, account, amount = (
        _year_index(_text(fields, 0)),
        _text(fields, 1),
        _amount(_text(fields, 2)),
    )
    if index is None or amount is None:
        sie.warnings.append(f"Rad {record.line}: #RES kan inte läsas och är inte med.")
        return
    sie.results[(index, account)] = amount


def _period_balance(record: Record, sie: SieFile) -> None:
    fields = record.fields
    index, period, account = (
        _year_index(_text(fields, 0)),
        _text(fields, 1),
        _text(fields, 2),
    )
    objects = fields[3] if len(fields) > 3 and isinstance(fields[3], tuple) else None
    amount = _amount(_text(fields, 4 if objects is not None else 3))
    if index is None or amount is None or not re.fullmatch(r"\d{6}", period):
        sie.warnings.append(f"Rad {record.line}: #PSALDO kan inte läsas och är inte med.")
        return
    if objects:  # a break-down by cost centre or project, not the account's total
        return
    key = (index, period, account)
    sie.period_balances[key] = sie.period_balances.get(key, ZERO) + amount


def _check_sum(all_records: list[Record], sie: SieFile) -> None:
    marks = [i for i, r in enumerate(all_records) if r.tag == "#KSUMMA"]
    if not marks:
        return
    if len(marks) < 2 or not all_records[marks[-1]].fields:
        sie.warnings.append("Filen har #KSUMMA men ingen kontrollsumma i slutet.")
        return
    stated = _text(all_records[marks[-1]].fields, 0)
    crc = 0
    for record in all_records[marks[0] + 1 : marks[-1]]:
        if record.tag in ("{", "}"):
            crc = zlib.crc32(record.tag.encode("cp437", "replace"), crc)
        else:
            crc = zlib.crc32(record.checksum_text.encode("cp437", "replace"), crc)
    if not stated.lstrip("-").isdigit() or int(stated) % 2**32 != crc:
        sie.warnings.append(
            f"Kontrollsumman (#KSUMMA) stämmer inte: filen säger {stated}, innehållet ger "
            f"{crc}. Filen kan ha ändrats efter exporten; kontrollera den med byrån."
        )


# --- the year's actuals -----------------------------------------------------------


@dataclass
class AccountActuals:
    name: str
    months: dict[str, Decimal]
    total: Decimal


@dataclass
class Actuals:
    program: str
    company: str
    start: date
    end: date
    source: str  # "vouchers" or "period_balances"
    accounts: dict[str, AccountActuals]
    unbalanced: list[Unbalanced]
    warnings: list[str]

    def as_json(self) -> dict:
        """The `import_sie --json` answer: amounts as in the file (debit positive,
        credit negative), as strings with two decimals."""
        return {
            "program": self.program,
            "company": self.company,
            "fiscal_year": {"start": self.start.isoformat(), "end": self.end.isoformat()},
            "accounts": {
                number: {
                    "name": account.name,
                    "months": {m: _money(v) for m, v in sorted(account.months.items())},
                    "total": _money(account.total),
                }
                for number, account in sorted(self.accounts.items())
            },
            "unbalanced": [
                {
                    "series": u.series,
                    "number": u.number,
                    "date": u.date,
                    "difference": _money(u.difference),
                    "message": u.message(),
                }
                for u in self.unbalanced
            ],
            "warnings": list(self.warnings),
        }


def _money(value: Decimal) -> str:
    return str(to_places(value, 2))


def is_result_account(account: str) -> bool:
    return account.isdigit() and len(account) == 4 and int(account) in RESULT_ACCOUNTS


def _month(on: date) -> str:
    return f"{on.year:04d}-{on.month:02d}"


def actuals(sie: SieFile) -> Actuals:
    """Year 0's actuals per result account and month, its unbalanced vouchers and its
    warnings."""
    start, end = sie.fiscal_year
    warnings = list(sie.warnings)
    months: dict[str, dict[str, Decimal]] = defaultdict(dict)
    unbalanced: list[Unbalanced] = []
    source = "vouchers" if any(v.rows for v in sie.vouchers) else "period_balances"
    if source == "vouchers":
        for voucher in sie.vouchers:
            difference = voucher.difference
            if difference != ZERO:
                unbalanced.append(
                    Unbalanced(
                        voucher.series,
                        voucher.number,
                        voucher.on.isoformat() if voucher.on else "",
                        difference,
                    )
                )
            if voucher.on is None or not start <= voucher.on <= end:
                if voucher.rows:
                    where = voucher.on.isoformat() if voucher.on else "utan datum"
                    warnings.append(
                        f"Verifikation {voucher.series} {voucher.number} ({where}) ligger "
                        f"utanför räkenskapsåret {start.isoformat()}–{end.isoformat()} och "
                        "är inte med i utfallet."
                    )
                continue
            for row in voucher.rows:
                if not (row.account.isdigit() and len(row.account) == 4):
                    warnings.append(
                        f"{voucher.describe().capitalize()} har en rad på "
                        f"\u201d{row.account}\u201d, som inte är ett kontonummer: "
                        f"{format_kr(row.amount)} (rad {row.line}). Den är inte med i "
                        "utfallet."
                    )
                    continue
                if is_result_account(row.account):
                    month = months[row.account]
                    key = _month(voucher.on)
                    month[key] = month.get(key, ZERO) + row.amount
    else:
        for (index, period, account), amount in sie.period_balances.items():
            if index != 0:
                continue
            if not (account.isdigit() and len(account) == 4):
                warnings.append(
                    f"En periodsaldo-rad på \u201d{account}\u201d, som inte är ett "
                    f"kontonummer: {format_kr(amount)}. Den är inte med i utfallet."
                )
                continue
            if is_result_account(account):
                key = f"{period[:4]}-{period[4:]}"
                month = months[account]
                month[key] = month.get(key, ZERO) + amount

    described = "verifikationerna" if source == "vouchers" else "periodsaldona"
    accounts: dict[str, AccountActuals] = {}
    result_accounts = set(months) | {
        account
        for (index, account), amount in sie.results.items()
        if index == 0 and is_result_account(account) and amount != ZERO
    }
    for account in sorted(result_accounts):
        by_month = {k: v for k, v in months.get(account, {}).items()}
        summed = sum(by_month.values(), ZERO)
        stated = sie.results.get((0, account))
        if stated is not None and stated != summed:
            warnings.append(
                f"Konto {account}: {described} ger {format_kr(summed)} men filens årssaldo (#RES) anger "
                f"{format_kr(stated)}; skillnaden är {format_kr(stated - summed)}."
            )
        if not by_month and (stated is None or stated == ZERO):
            continue
        accounts[account] = AccountActuals(
            name=sie.account_names.get(account, ""),
            months=by_month,
            total=stated if stated is not None else summed,
        )
    return Actuals(
        program=sie.program,
        company=sie.company,
        start=start,
        end=end,
        source=source,
        accounts=accounts,
        unbalanced=unbalanced,
        warnings=warnings,
    )


def read_actuals(data: bytes) -> Actuals:
    return actuals(parse(data))
