"""What every report shares: the header with the demo warning, badges, Dutch dates and the sources section."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
from markupsafe import Markup

from trendbreuk import __version__
from trendbreuk import formatting as fmt
from trendbreuk.geography.areas import Region, RegionsConfig
from trendbreuk.indicators.catalogue import Indicator
from trendbreuk.processed import Processed
from trendbreuk.reports.page import HTML, demo_banner, fragment

COMPARISON = {
    "slechter": ("▲", "duidelijk slechter"),
    "gelijk": ("●", "niet duidelijk anders"),
    "beter": ("▼", "duidelijk beter"),
    "niet_te_beoordelen": ("–", "niet te beoordelen"),
}
VERDICT_STYLE = {
    "doel_bereikt": "beter",
    "op_koers": "beter",
    "geen_achterstand": "gelijk",
    "onvoldoende_gegevens": "niet_te_beoordelen",
    "versnelling_nodig": "slechter",
    "achterstand_groeit": "slechter",
}


def first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def comparison_badge(status: str, level: str = "") -> str:
    symbol, text = COMPARISON[status]
    return fragment("comparison_badge", status, symbol, f"{text} ({level})" if level else text)


def verdict_badge(key: str, label: str) -> str:
    return fragment("verdict_badge", VERDICT_STYLE[key], label)


def finite(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def header_html(processed: Processed, kicker: str, title: str, subtitle: str) -> HTML:
    parts = []
    if processed.demo:
        parts.append(demo_banner(processed.info.get("description", "")).data)
    edition = f" · editie {processed.edition}" if processed.edition else ""
    made = fmt.dutch_date(date.today())
    parts.append(fragment("header", kicker, title, f"{subtitle}{edition} · gemaakt op {made}"))
    parts.append(print_margins(f"Trendbreuk · {title}", f"gemaakt op {made}{edition}", processed.demo))
    return HTML("".join(parts))


def css_string(text: str) -> str:
    """`text` as a CSS string literal that nothing in it can end (quotes, backslashes, '<' of '</style>')."""
    escaped = "".join(ch if ch.isalnum() or ch in " ·,.:;()-–'" else f"\\{ord(ch):x} " for ch in str(text))
    return f'"{escaped}"'


def print_margins(title: str, made: str, demo: bool) -> str:
    """On paper, every page carries the report's title and date at the top, the page number at the bottom and, for
    demo data, the warning (CSS page margin boxes, which Chromium prints)."""
    font = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;"
    bottom_left = (
        f'@bottom-left{{content:"DEMODATA – geen echte cijfers";color:#7a4d00;font-weight:700;font-size:9pt;{font}}}'
        if demo
        else ""
    )
    return (
        "<style>@page{"
        f"@top-left{{content:{css_string(title)};font-size:9pt;color:#555;{font}}}"
        f"@top-right{{content:{css_string(made)};font-size:9pt;color:#555;{font}}}"
        f'@bottom-right{{content:"pagina " counter(page) " van " counter(pages);font-size:9pt;color:#555;{font}}}'
        f"{bottom_left}}}</style>"
    )


SOURCE_LABELS = {
    "cbs": "CBS StatLine",
    "perined": "Perined",
    "wsjg": "Waar staat je gemeente",
    "gezondheidsmonitor": "Gezondheidsmonitor (GGD'en, CBS, RIVM)",
    "registraties": "Registraties van de programma-eigenaren",
}
METHOD_LINK = (
    'De volledige beschrijving staat in <a href="docs/methode.html">de methode</a> (docs/methode.html '
    "naast de rapporten; docs/methode.md in het werkboek)."
)


def year_span(first, last) -> str:
    first, last = int(first), int(last)
    return str(first) if first == last else f"{first}–{last}"


def _iso_date(text: str) -> str:
    return fmt.dutch_date(date.fromisoformat(text[:10])) if text else ""


def source_items(
    processed: Processed,
    periods: dict[str, str],
    names: tuple[str, ...] | None = None,
    cbs_tables: set[str] | None = None,
) -> str:
    """One <li> per source in build_info (file or CBS tables, the periods used, the retrieval date); the CBS tables
    (all, or those in `cbs_tables`) together in one item, a yearly series as one title with its years."""
    items = []
    cbs = []
    for s in processed.info.get("sources", []):
        if s.get("missing") or (names is not None and s["source"] not in names):
            continue
        if s["source"] == "cbs":
            if cbs_tables is None or s.get("table") in cbs_tables:
                cbs.append(s)
            continue
        parts = [s.get("file", "").split("/")[-1]]
        if periods.get(s["source"]):
            parts.append(f"cijfers over {periods[s['source']]}")
        if s.get("retrieved_at"):
            parts.append(f"opgehaald {_iso_date(s['retrieved_at'])}")
        items.append((SOURCE_LABELS.get(s["source"], s["source"]), ", ".join(parts)))
    if cbs:
        parts = [cbs_tables_text(cbs)]
        if periods.get("cbs"):
            parts.append(f"cijfers over {periods['cbs']}")
        dates = sorted({_iso_date(s["retrieved_at"]) for s in cbs if s.get("retrieved_at")})
        if dates:
            parts.append(f"opgehaald {' en '.join(dates) if len(dates) <= 2 else f'{dates[0]} tot {dates[-1]}'}")
        items.insert(0, ("CBS StatLine (open data, CC BY 4.0)", "; ".join(parts)))
    return fragment("source_list", items)


def cbs_tables_text(entries: list[dict]) -> str:
    """'Kerncijfers wijken en buurten 2013–2024 (82339NED … 85984NED), Bevolking op 1 januari ... (03759ned)': the
    editions of a yearly series folded into one title with their years."""
    import re

    groups: dict[str, list[tuple[int | None, str]]] = {}
    for entry in entries:
        title = str(entry.get("title") or "").removeprefix("DEMO - ").strip() or entry["table"]
        match = re.fullmatch(r"(.*\S)\s+(\d{4})", title)
        stem, year = (match[1], int(match[2])) if match else (title, None)
        groups.setdefault(stem, []).append((year, entry["table"]))
    parts = []
    for stem, members in groups.items():
        years = sorted(y for y, _ in members if y is not None)
        ids = [t for _, t in sorted(members, key=lambda m: m[0] or 0)]
        label = f"{stem} {year_span(years[0], years[-1])}" if years else stem
        if label == ids[0] and len(ids) == 1:  # a table without a title in its snapshot is named once, by its id
            parts.append(label)
        else:
            parts.append(f"{label} ({ids[0] if len(ids) == 1 else f'{ids[0]} … {ids[-1]}, {len(ids)} tabellen'})")
    return ", ".join(parts)


def missing_html(processed: Processed) -> HTML:
    """The catalogue's indicators that have no figures in this build, grouped by what is missing ('export Perined
    nodig'), so that a reader knows they are absent, not forgotten; what a researcher should do comes last."""
    skipped = [s for s in processed.info.get("skipped_indicators") or [] if isinstance(s, dict)]
    reasons = {s["indicator"]: s["reason"] for s in skipped}
    # a second definition (variant) missing for the same reason as its indicator is not news
    skipped = [s for s in skipped if not (s.get("variant_of") and reasons.get(s["variant_of"]) == s["reason"])]
    if not skipped:
        return HTML("")
    groups: dict[str, list[dict]] = {}
    for item in skipped:
        groups.setdefault(item["reason"], []).append(item)
    return HTML(
        fragment(
            "missing",
            len(skipped),
            [(reason, ", ".join(i["title"] for i in members)) for reason, members in groups.items()],
        )
    )


def provenance_html(processed: Processed) -> str:
    info = processed.info
    return fragment("provenance", __version__, info.get("dataset", ""), _iso_date(info.get("built_at", "")))


def demo_note(processed: Processed) -> str:
    return (
        (
            '<p class="tb-demo-inline"><strong>Let op: dit rapport is gemaakt met DEMODATA. '
            "De cijfers zijn verzonnen en zeggen niets over de echte situatie.</strong></p>"
        )
        if processed.demo
        else ""
    )


def sources_html(
    processed: Processed, region: Region, regions: RegionsConfig, benchmark_name: str, indicators: list[Indicator]
) -> HTML:
    """Sources with periods and retrieval dates, the indeling, the method in two sentences with a link to the
    method document, the workbook version and the demo warning."""
    shown = processed.indicator_values[processed.indicator_values["indicator"].isin([i.id for i in indicators])]
    spans = {
        source: (rows["year_start"].min(), rows["year_end"].max())
        for source, rows in shown.dropna(subset=["value"]).groupby("source")
    }
    if processed.population is not None and len(processed.population):
        years = pd.to_datetime(processed.population["period_start"]).dt.year
        first, last = spans.get("cbs", (years.min(), years.max()))
        spans["cbs"] = (min(first, years.min()), max(last, years.max()))
    periods = {source: year_span(first, last) for source, (first, last) in spans.items()}
    pooled = [i.title for i in indicators if i.pool_years > 1]
    return HTML(
        '<section class="tb-sources"><h2>Bronnen en methode</h2>'
        + demo_note(processed)
        + source_items(processed, periods, names=(*periods, "cbs"))
        + str(
            Markup("<p>{} {}</p>").format(
                indeling_note(processed.info, region),
                f"Voor {', '.join(p.lower() for p in pooled)} zijn steeds 3 jaren samengenomen, omdat de aantallen per "
                "gemeente per jaar te klein zijn voor een betrouwbaar percentage. "
                if pooled
                else "",
            )
        )
        + str(
            Markup(
                "<p>Methode: percentages met een 95%-onzekerheidsmarge (Wilson; enquêtecijfers met de marge uit de bron); "
                "de achterstand is het verschil met {}. Het oordeel voor {} komt uit een gewogen trendlijn door de "
                "achterstanden sinds de start, met de kans dat de achterstand in {} {} kleiner is dan bij de start. {}</p>"
            ).format(
                benchmark_name,
                regions.target_year,
                regions.target_year,
                fmt.share(regions.target_share_closed),
                Markup(METHOD_LINK),
            )
        )
        + provenance_html(processed)
        + "</section>"
    )


def indeling_note(info: dict, region: Region) -> str:
    """One sentence on the gemeente indeling of the figures and the mergers that were summed."""
    year = info.get("indeling_year")
    harmonisation = info.get("harmonisation") or {}
    if not harmonisation.get("lineage"):
        return "Gebiedsindeling: zoals in de bronbestanden (geen CBS-codelijst met herindelingen gevonden)."
    codes = {g.code for g in region.gemeenten}
    merged: dict[str, list[str]] = {}
    for m in harmonisation.get("mergers", []):
        if m["to_code"] in codes:
            merged.setdefault(f"{m['to_name']} ({m['year']})", []).append(m["from_name"])
    text = f"Alle cijfers volgen de gemeentelijke indeling van {year}."
    if merged:
        parts = [f"{new}: {', '.join(sorted(old))}" for new, old in merged.items()]
        text += " Cijfers van vóór een samenvoeging zijn opgeteld voor de huidige gemeente: " + "; ".join(parts) + "."
    return text
