"""Problems found in an input file: where (file and sheet, row, column), the value found and what was expected, in
Dutch. Checkers collect every problem of a file at once instead of stopping at the first."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    sheet: str  # the file (and sheet) the problem is in
    row: int | None  # 1 is the header row
    column: str | None
    value: object
    message: str

    def __str__(self) -> str:
        where = (
            [self.sheet] + ([f"rij {self.row}"] if self.row else []) + ([f"kolom {self.column}"] if self.column else [])
        )
        found = "" if self.value in (None, "") else f" (gevonden: {self.value!r})"
        return f"{', '.join(where)}: {self.message}{found}"


def listing(problems: list[Problem], limit: int = 200) -> str:
    """The problems one per line; beyond `limit`, how many more there are."""
    lines = [str(p) for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"... en nog {len(problems) - limit} problemen")
    return "\n  ".join(lines)
