"""Writes docs/verkennen.md: the reference of the Jupyter entry point (`trendbreuk.open()` and the Workbook's tables
and questions), made from their docstrings, so that the page cannot drift from the code. tests/test_explore.py checks
that the file is what this script writes.

    .venv/bin/python scripts/api_reference.py
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "verkennen.md"

INTRO = """# Verkennen in Jupyter: de ingang en haar vragen

Deze pagina wordt gemaakt uit de code en de README (`scripts/api_reference.py`): eerst de elf vragen met hun code
(dezelfde als in de README, "Verkennen in Jupyter"; de tests voeren ze uit), dan elke tabel en vraag met de uitleg uit
de code.

## Elf vragen
"""


def ten_questions() -> str:
    """The README's block of the eleven questions (the first Python example of its section "Verkennen in Jupyter")."""
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Verkennen in Jupyter") :]
    return "```python\n" + re.search(r"```python\n(.*?)```", section, re.S)[1] + "```\n"


def _first_paragraph(obj) -> str:
    text = inspect.getdoc(obj) or ""
    return " ".join(text.split("\n\n")[0].split())


def reference() -> str:
    sys.path.insert(0, str(ROOT / "lib"))
    import trendbreuk
    from trendbreuk import explore

    lines = [
        INTRO,
        ten_questions(),
        "## `trendbreuk.open`",
        "",
        _first_paragraph(trendbreuk.open),
        "",
        "## Tabellen",
        "",
        "| attribuut | wat |",
        "|---|---|",
    ]
    questions = []
    for name, member in explore.Workbook.__dict__.items():
        if name.startswith("_") or name == "values":
            continue
        if isinstance(member, property):
            lines.append(f"| `wb.{name}` | {_first_paragraph(member.fget)} |")
        elif callable(member):
            signature = str(inspect.signature(member)).replace("(self, ", "(").replace("(self)", "()")
            questions.append(f"### `wb.{name}{signature}`\n\n{_first_paragraph(member)}\n")
    lines += [
        "| `wb.indicators` | " + _first_paragraph(explore.Catalogue) + " |",
        "| `wb.all` | " + _first_paragraph(explore.results.AllTables) + " |",
        "",
        "## Vragen",
        "",
        *questions,
    ]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    TARGET.write_text(reference(), encoding="utf-8")
    print(f"geschreven: {TARGET}")
