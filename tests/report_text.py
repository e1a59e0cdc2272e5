"""Reading a rendered report as the stuurgroep reads it: its visible text (what a browser shows, chart titles and
descriptions included), and the language problems that make an alderman stumble.

Used by tests/test_report_check.py and, as a script, on any folder of reports:

    .venv/bin/python -m tests.report_text reports/ reports/opnames/

prints every finding with its report and the sentence it is in.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup

# Dutch nouns the reports put after a count, in their plural form: after "1" they must be singular.
PLURALS = (
    "indicatoren",
    "doelindicatoren",
    "cijfers",
    "vergelijkingen",
    "gemeenten",
    "jaren",
    "meetpunten",
    "wijken",
    "buurten",
    "rapporten",
    "tabellen",
    "regio's",
    "subregio's",
    "peilingen",
    "keren",
    "procentpunten",
    "oordelen",
    "waarden",
    "gebieden",
    "perioden",
    "periodes",
    "indelingen",
    "programma's",
    "registraties",
    "maatregelen",
    "aanmeldingen",
    "deelnemers",
    "kinderen",
    "trajecten",
    "leeftijdsgroepen",
    "groepen",
    "bronnen",
    "rijen",
    "aandachtsfunctionarissen",
    "inwoners",
    "geboorten",
    "focusgebieden",
    "levensfasen",
    "verschillen",
    "punten",
    "jaargangen",
    "lijnen",
)
PLURAL_AFTER_ONE = re.compile(r"(?<![\d.,])\b1 (" + "|".join(re.escape(p) for p in PLURALS) + r")\b")
# "1 van de 1 ..." reads as a form; say "de enige ..."
ONE_OF_ONE = re.compile(r"\b1 van de 1\b")
# a full stop followed by a sentence in lower case; abbreviations and decimals excluded
ABBREVIATIONS = (
    "t.o.v",
    "bv",
    "bijv",
    "o.a",
    "ca",
    "nr",
    "e.d",
    "d.w.z",
    "m.b.t",
    "i.p.v",
    "vs",
    "incl",
    "excl",
    "enz",
    "z.g",
    "etc",
    "resp",
    "o.b.v",
    "a.s",
    "jl",
)
LOWER_AFTER_STOP = re.compile(r"(?<!\.\.)(?<=[a-z0-9)%’'”])([.!?]) +([a-zà-ÿ][a-zà-ÿ]+)")
# a dash left where a number or word should stand in a sentence
DASH_IN_SENTENCE = re.compile(
    r"(?:\b(?:mediaan|gemiddeld|is|van|op|nu|bij|was|tot)\)? – (?:van|procentpunt|%|indicatoren|"
    r"ingelopen|keer)\b)|(?:\(–\))|(?:\b– %)"
)
# a source named twice: "03759ned (03759ned)"
DOUBLED = re.compile(r"\b([\w-]{3,}) \(\1\)")
# instructions for researchers: commands and file paths
COMMAND = re.compile(
    r"\btrendbreuk (?:render|fetch|build|demo|edition|check|template|regions)\b|\.venv/|"
    r"\bdata/(?:raw|processed)\b|\bconfig/[\w-]+\.yaml\b|(?<![\w-])--[a-z][a-z-]+\b"
)


@dataclass(frozen=True)
class Finding:
    report: str
    problem: str
    excerpt: str

    def __str__(self) -> str:
        return f"{self.report}: {self.problem}: …{self.excerpt}…"


def visible_text(html: str) -> str:
    """The text a reader sees: the page without scripts and styles, plus the chart titles, axis titles, legends and
    annotations that plotly draws from the JSON in the scripts (one paragraph per block)."""
    soup = BeautifulSoup(html, "html.parser")
    chart_texts = []
    for script in soup.find_all("script"):
        chart_texts.extend(_chart_texts(script.string or ""))
        script.decompose()
    for tag in soup.find_all(["style", "template"]):
        tag.decompose()
    blocks = []
    for block in soup.find_all(
        ["p", "li", "h1", "h2", "h3", "h4", "caption", "figcaption", "summary", "td", "th", "div"]
    ):
        if block.find(["p", "li", "div", "table", "ul", "h2", "h3"]):
            continue  # only the innermost blocks, so that text is not counted twice
        text = " ".join(block.get_text(" ").split())
        if text:
            blocks.append(text)
    return "\n".join(blocks + chart_texts)


def _chart_texts(script: str) -> list[str]:
    """Titles, axis titles, trace names (legend) and annotations of the plotly charts in one <script>."""
    match = re.search(r"Plotly\.newPlot\(\s*\"[^\"]+\",\s*(\[.*?\]),\s*(\{.*\}),\s*\{\"displaylogo", script, re.S)
    if not match:
        return []
    try:
        data, layout = json.loads(match[1]), json.loads(match[2])
    except ValueError:
        return []
    texts = [_plain((layout.get("title") or {}).get("text", ""))]
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            texts.append(_plain((axis.get("title") or {}).get("text", "")))
    texts += [_plain(a.get("text", "")) for a in layout.get("annotations") or []]
    texts += [_plain(t.get("name", "")) for t in data if t.get("showlegend", True) and t.get("name")]
    return [t for t in texts if t]


def _plain(text) -> str:
    text = re.sub(r"<br\s*/?>", " ", str(text or ""))
    return " ".join(re.sub(r"<[^>]+>", "", text).split())


def language_findings(report: str, text: str) -> list[Finding]:
    """Plural nouns after 1, '1 van de 1', sentences starting in lower case, dashes where a number belongs, sources
    named twice, commands and file paths."""
    found = []

    def add(problem: str, match: re.Match, line: str) -> None:
        start = max(0, match.start() - 50)
        found.append(Finding(report, problem, line[start : match.end() + 30]))

    for line in text.splitlines():
        for m in PLURAL_AFTER_ONE.finditer(line):
            add(f"meervoud na 1 ('1 {m[1]}')", m, line)
        for m in ONE_OF_ONE.finditer(line):
            add("'1 van de 1'", m, line)
        for m in LOWER_AFTER_STOP.finditer(line):
            before = line[: m.start() + 1].rsplit(" ", 1)[-1].rstrip(".!?").lower()
            if (
                before in ABBREVIATIONS
                or re.search(r"\d[.,]$", line[: m.start() + 1])
                or before.endswith(("t.o.v", ".o"))
            ):
                continue
            add("kleine letter na punt", m, line)
        for m in DASH_IN_SENTENCE.finditer(line):
            add("streepje waar een getal hoort", m, line)
        for m in DOUBLED.finditer(line):
            add("bron dubbel genoemd", m, line)
        for m in COMMAND.finditer(line):
            add("opdracht of bestandspad voor onderzoekers", m, line)
    return found


def lowercase_blocks(report: str, html: str) -> list[Finding]:
    """Paragraphs, list items, captions and headings that start in lower case (a table cell may: 'deels')."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(["script", "style"]):
        tag.decompose()
    found = []
    for block in soup.find_all(["p", "li", "caption", "figcaption", "h1", "h2", "h3", "summary"]):
        text = " ".join(block.get_text(" ").split())
        if text and text[0].islower():
            found.append(Finding(report, "blok begint met een kleine letter", text[:80]))
    return found


def report_findings(path: Path) -> list[Finding]:
    html = path.read_text(encoding="utf-8")
    return language_findings(path.name, visible_text(html)) + lowercase_blocks(path.name, html)


def main(folders: list[str]) -> int:
    findings = []
    for folder in folders:
        for path in sorted(Path(folder).glob("*.html")):
            if path.name == "index.html":
                continue
            findings += report_findings(path)
    for finding in findings:
        print(finding)
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.problem.split(" (")[0]] = counts.get(finding.problem.split(" (")[0], 0) + 1
    print(counts or "geen bevindingen")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["reports"]))
