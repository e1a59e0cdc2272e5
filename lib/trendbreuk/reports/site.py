"""The report site: `reports/` holds every rendered report as one self-contained HTML file (to mail), the index
page `reports/index.html` that lists them by region, type, subregio and gemeente, and the method document
`reports/docs/methode.html` that every report links to.

The index lists what is actually in the folder (any region, any render), found by file name
(`factsheet-GM0917-heerlen.html`) and looked up in `config/regions.yaml`. Both engines show the same list:
the Python engine writes the page with `write_site`, Quarto renders `index.qmd`, a website page whose only code
cell calls `SiteIndex.for_quarto()`.
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from trendbreuk import config, io, paths
from trendbreuk import formatting as fmt
from trendbreuk.geography.areas import Region, RegionsConfig, gemeente_of, level_of, slugify
from trendbreuk.reports.page import HTML, fragment, html_document

REPORT_FILE = re.compile(
    r"^(?P<kind>factsheet|subregio|regio|programma|focus|wijk|buurt)-(?P<code>[A-Za-z0-9]+)-"
    r"(?P<rest>[a-z0-9_-]+)\.html$"
)
KIND_TITLES = {
    "regio": "Regionale voortgangsrapportage",
    "programma": "Programma's en bereik",
    "subregio": "Subregiorapporten",
    "factsheet": "Factsheets per gemeente",
    "focus": "Focusgebieden (Pluswijken)",
    "wijk": "Wijkprofielen",
    "buurt": "Buurtprofielen",
}
# kinds listed per group in a table: the group's heading and what the list holds
GROUPED = {"factsheet": ("Subregio", "Gemeenten"), "wijk": ("Gemeente", "Wijken"), "buurt": ("Gemeente", "Buurten")}
TITLE = re.compile(rb"<h1>(.*?)</h1>")
METHOD_PAGE = "docs/methode.html"
DEMO_MARK = b'class="tb-demo"'
DATASET = re.compile(rb"\bdataset ([^ <]+) \xc2\xb7")  # in the provenance line of every report: "dataset opnames ·"


@dataclass(frozen=True)
class ReportFile:
    """One rendered report in the folder, with what its file name says about it."""

    filename: str
    kind: str
    region: Region | None  # None: a file whose code is not (or no longer) in config/regions.yaml
    label: str  # Heerlen, Parkstad, Zuid-Limburg
    group: str  # for factsheets: the subregio
    variant: str  # "" or e.g. "tegen Nederland" for a factsheet with another benchmark
    demo: bool
    rendered: datetime
    dataset: str = ""


def _identify(match: re.Match, regions: RegionsConfig, title: str) -> tuple[Region | None, str, str, str]:
    """(region, label, group, remainder of the slug) for a report file name, or region None when unknown. A wijk or
    buurt is named by its report's title (its name is not in the configuration)."""
    kind, code, rest = match["kind"], match["code"], match["rest"]
    if kind in ("wijk", "buurt") and level_of(code) == kind:
        slug = slugify(title)
        if (rest + "-").startswith(slug + "-"):
            for region in regions.regions.values():
                for subregio in region.subregios:
                    for gemeente in subregio.gemeenten:
                        if gemeente.code == gemeente_of(code):
                            return region, title, gemeente.name, rest[len(slug) :]
        return None, title or code, "", rest
    for region in regions.regions.values():
        for area in region.focus_areas if kind == "focus" and code == region.code else ():
            if (rest + "-").startswith(area.slug + "-"):
                return region, area.name, "", rest[len(area.slug) :]
        if kind in ("regio", "programma") and code == region.code and (rest + "-").startswith(region.slug + "-"):
            return region, region.name, "", rest[len(region.slug) :]
        for subregio in region.subregios:
            if kind == "subregio" and code == subregio.code and (rest + "-").startswith(subregio.slug + "-"):
                return region, subregio.name, "", rest[len(subregio.slug) :]
            for gemeente in subregio.gemeenten:
                if kind == "factsheet" and code == gemeente.code and (rest + "-").startswith(gemeente.slug + "-"):
                    return region, gemeente.name, subregio.name, rest[len(gemeente.slug) :]
    return None, code, "", rest


def find_reports(reports_dir: Path, regions: RegionsConfig) -> list[ReportFile]:
    """Every report file in `reports_dir`, in the order of the configuration (regions, then kinds, then names)."""
    found = []
    for path in sorted(Path(reports_dir).glob("*.html")):
        match = REPORT_FILE.match(path.name)
        if not match:
            continue
        with path.open("rb") as handle:
            content = handle.read()
        demo = DEMO_MARK in content
        title = TITLE.search(content)
        title = html.unescape(title[1].decode("utf-8", "replace")) if title else ""
        dataset = DATASET.search(content)
        region, label, group, remainder = _identify(match, regions, title)
        benchmark = remainder.lstrip("-")
        variant = ""
        if benchmark:
            names = {code.lower(): name for code, name in regions.benchmarks.items()}
            variant = f"tegen {names[benchmark]}" if benchmark in names else benchmark
        found.append(
            ReportFile(
                path.name,
                match["kind"],
                region,
                label,
                group,
                variant,
                demo,
                datetime.fromtimestamp(path.stat().st_mtime),
                html.unescape(dataset[1].decode("utf-8", "replace")) if dataset else "",
            )
        )
    order = {key: i for i, key in enumerate(regions.regions)}
    kinds = list(KIND_TITLES)
    return sorted(
        found,
        key=lambda r: (
            order.get(r.region.key, len(order)) if r.region else len(order) + 1,
            kinds.index(r.kind),
            r.group,
            r.label,
            r.variant,
        ),
    )


def _link(report: ReportFile, text: str, newest: datetime, mixed_demo: bool, mixed_datasets: bool = False) -> dict:
    """A link to one report; notes only where it differs from the rest of its region (older, or demo among real,
    or of another dataset)."""
    notes = []
    if report.dataset and mixed_datasets:
        notes.append(f"dataset {report.dataset}")
    if report.demo and mixed_demo:
        notes.append("DEMODATA")
    if report.rendered.date() != newest.date():
        notes.append(f"ouder: gemaakt {fmt.dutch_date(report.rendered)}")
    if report.variant:
        text = f"{text} ({report.variant})"
    return {"href": report.filename, "text": text, "note": " · ".join(notes)}


def _region_section(title: str, reports: list[ReportFile]) -> str:
    """The index of one region: a summary line, then per kind of report its links (factsheets and wijkprofielen
    grouped in a table by subregio or gemeente), rendered by the fragment template (autoescaped)."""
    newest = max(r.rendered for r in reports)
    demo = {r.demo for r in reports}

    def link(report: ReportFile) -> dict:
        return _link(
            report, report.label, newest, mixed_demo=len(demo) > 1, mixed_datasets=len({r.dataset for r in reports}) > 1
        )

    summary = f"{fmt.count(len(reports), 'rapport', 'rapporten')}, gemaakt {fmt.dutch_datetime(newest)}"
    datasets = sorted({r.dataset for r in reports if r.dataset})
    if datasets:
        summary += f" · {'dataset' if len(datasets) == 1 else 'datasets'} {fmt.join(datasets)}"
    summary += {
        frozenset({True}): " · alle met DEMODATA",
        frozenset({False}): "",
        frozenset({True, False}): " · let op: een deel met DEMODATA",
    }[frozenset(demo)]
    kinds = []
    for kind, kind_title in KIND_TITLES.items():
        of_kind = [r for r in reports if r.kind == kind]
        if not of_kind:
            continue
        if kind in GROUPED:
            group_title, list_title = GROUPED[kind]
            groups = [
                (group, [link(r) for r in of_kind if r.group == group])
                for group in dict.fromkeys(r.group for r in of_kind)
            ]
            kinds.append(
                {
                    "title": kind_title,
                    "grouped": True,
                    "group_title": group_title,
                    "list_title": list_title,
                    "groups": groups,
                }
            )
        else:
            kinds.append({"title": kind_title, "grouped": False, "links": [link(r) for r in of_kind]})
    return fragment("index_region", title, summary, kinds)


@dataclass(frozen=True)
class SiteIndex:
    """The list of reports in a folder; `html()` is the body of the index page (shown as such in Jupyter)."""

    reports: tuple[ReportFile, ...]

    @classmethod
    def load(cls, reports_dir: Path | None = None, regions: RegionsConfig | None = None) -> SiteIndex:
        regions = regions or config.project().regions
        return cls(tuple(find_reports(Path(reports_dir) if reports_dir else paths.reports_dir(), regions)))

    @classmethod
    def for_quarto(cls) -> SiteIndex:
        """The index in index.qmd, listing the reports beside the page:
        - `trendbreuk render ... --engine quarto` renders the website in a scratch folder for the reports folder in
          TRENDBREUK_REPORTS, and copies it there;
        - a plain `quarto render` (or `quarto preview`) of the project writes the website to its output-dir
          (_site/), where its pre-render step has just rendered every report (scripts/quarto_pre_render.py);
        - elsewhere (index.qmd opened in Jupyter) it lists reports/."""
        if os.environ.get(paths.REPORTS_ENV):
            return cls.load()
        quarto_project = os.environ.get("QUARTO_PROJECT_ROOT")
        if quarto_project and (Path(quarto_project) / "_quarto.yml").is_file():
            return cls.load(site_dir(Path(quarto_project)))
        return cls.load()

    @property
    def demo(self) -> bool:
        return any(r.demo for r in self.reports)

    def html(self) -> str:
        parts = []
        if self.demo:
            which = (
                "Alle rapporten hieronder zijn"
                if all(r.demo for r in self.reports)
                else "Een deel van de rapporten hieronder is (zie per regio)"
            )
            parts.append(
                '<div class="tb-demo" role="alert"><strong>DEMODATA – GEEN ECHTE CIJFERS.</strong> '
                f"{which} gemaakt met verzonnen cijfers om de werkwijze te tonen.</div>"
            )
        parts.append(
            "<p>Elk rapport is één HTML-bestand dat zonder internet opent en dat u los kunt mailen. "
            f'Hoe de cijfers berekend zijn, staat in <a href="{METHOD_PAGE}">de methode</a>. Voor '
            f'onderzoekers: <a href="{RESEARCH_PAGE}">verkennen in Jupyter</a>.</p>'
        )
        if not self.reports:
            parts.append(
                "<p>Er zijn nog geen rapporten in deze map. Maak ze met <code>trendbreuk render all</code>.</p>"
            )
        regions = dict.fromkeys(r.region for r in self.reports)
        for region in regions:
            title = region.name if region else "Overige rapporten (niet in config/regions.yaml)"
            parts.append(_region_section(title, [r for r in self.reports if r.region == region]))
        return "".join(parts)

    def _repr_html_(self) -> str | None:
        return HTML(self.html())._repr_html_()

    def _repr_markdown_(self) -> str | None:
        return HTML(self.html())._repr_markdown_()


def site_dir(root: Path) -> Path:
    """The output folder of the Quarto website (`project: output-dir` of root/_quarto.yml; Quarto's default _site)."""
    import yaml

    config = yaml.safe_load((Path(root) / "_quarto.yml").read_text(encoding="utf-8")) or {}
    return Path(root) / (config.get("project", {}).get("output-dir") or "_site")


RESEARCH_PAGE = (
    "docs/verkennen.html"  # for researchers: the Jupyter entry point (docs/verkennen.md), apart from reports
)


def method_html(root: Path | None = None, page: str = "methode.md") -> str:
    """A page of docs/ (default docs/methode.md) as HTML (GitHub-style tables), for the site."""
    import mistune

    source = (root or paths.project_root()) / "docs" / page
    # Pandoc's fenced divs (":::"; for Quarto, a scroll box around the wide table) are not markdown to mistune; the
    # tables get their scroll box below
    text = "\n".join(line for line in source.read_text(encoding="utf-8").splitlines() if not line.startswith(":::"))
    body = mistune.create_markdown(plugins=["table"])(text)
    return body.replace(
        "<table>", '<div class="tb-scroll" role="region" aria-label="tabel" tabindex="0"><table class="tb-table">'
    ).replace("</table>", "</table></div>")


def write_site(out_dir: Path, regions: RegionsConfig, root: Path | None = None) -> Path:
    """The Python engine's site pages: reports/index.html (every report in the folder), reports/docs/methode.html
    and, for researchers, reports/docs/verkennen.html. Returns the index's path."""
    out_dir = Path(out_dir)
    back = '<p class="tb-note"><a href="../index.html">← Alle rapporten</a></p>'
    io.write_text_atomic(out_dir / METHOD_PAGE, html_document("Trendbreuk: methode", back + method_html(root)))
    io.write_text_atomic(
        out_dir / RESEARCH_PAGE,
        html_document("Trendbreuk: verkennen in Jupyter (onderzoekers)", back + method_html(root, "verkennen.md")),
    )
    index = SiteIndex.load(out_dir, regions)
    target = out_dir / "index.html"
    io.write_text_atomic(
        target, html_document("Trendbreuk: alle rapporten", "<h1>Trendbreuk: alle rapporten</h1>" + index.html())
    )
    return target
