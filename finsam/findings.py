"""Findings: what a rule says about a budget, a förbund's setup or an intervention.

One shape for every rule, so the budget page, the intervention page, the PDF and
the JSON report show the same things.
"""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"
SEVERITY_LABELS = {ERROR: "Fel", WARNING: "Varning"}


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    year: int | None
    message: str
    # Where it points, so a page can mark the cell or the row.
    line: str | None = None
    column: str | None = None
    member: str | None = None
    intervention: str | None = None
    # The message's last sentence when it tells the author what to do ("Ange ett
    # målvärde …"): left out where the board reads the finding (board_message).
    advice: str = ""

    @property
    def board_message(self) -> str:
        """What holds, as the board reads it: the message without the author's advice."""
        if self.advice and self.message.endswith(self.advice):
            return self.message[: -len(self.advice)].rstrip()
        return self.message

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_report(self) -> dict[str, object]:
        """The finding as `finsam-report/1` writes it (pointers are optional keys)."""
        data: dict[str, object] = {
            "rule": self.rule,
            "severity": self.severity,
            "year": self.year,
            "message": self.message,
        }
        for key in ("line", "column", "member", "intervention"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


def by_severity(findings: list[Finding]) -> list[Finding]:
    """Errors first, then warnings; stable within each."""
    return sorted(findings, key=lambda f: 0 if f.severity == ERROR else 1)
