"""The wijken and buurten of a gemeente in the reports: finding one by code or name (`locate`), the map of a
gemeente's wijken or of a wijk's buurten (`area_map`) and the factsheet's section on its wijken
(`wijken_section`). The profile of one wijk, buurt or focus area is reports/wijk.py."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from markupsafe import Markup

from trendbreuk import formatting as fmt
from trendbreuk.charts.compare import figure_ranked
from trendbreuk.charts.maps import figure_area_map
from trendbreuk.geography.areas import AreaLookupError, Region, RegionsConfig
from trendbreuk.geography.boundaries import load_wijk_boundaries
from trendbreuk.geography.small_areas import SmallArea, SmallAreaRegister
from trendbreuk.indicators.catalogue import Indicator, judging
from trendbreuk.indicators.small_areas import (
    MOSTLY_ROUNDING,
)
from trendbreuk.processed import Processed
from trendbreuk.reports.common import finite, first_upper
from trendbreuk.reports.page import HTML, Page, table_html

ROUNDING_MARK = "†"  # beside a margin that comes mostly from CBS's rounding of small counts
LEVEL_WORDS = {"wijk": "wijk", "buurt": "buurt", "focus": "focusgebied"}


@dataclass(frozen=True)
class Place:
    """The area of a wijkprofiel: code, name, level and the gemeenten it lies in."""

    code: str
    name: str
    level: str
    region: Region
    gemeenten: tuple[str, ...]
    members: tuple[str, ...] = ()  # a focus area's wijken or buurten
    note: str = ""


def register_of(processed: Processed) -> SmallAreaRegister:
    """The wijken and buurten that have figures in the processed tables, with their names."""
    small = processed.small_area_names()
    small = small[small["area_level"].isin(("wijk", "buurt"))]
    return SmallAreaRegister({c: SmallArea(c, n) for c, n in zip(small["area_code"], small["area_name"])})


def locate(text: str, processed: Processed, regions: RegionsConfig, region_key: str | None = None) -> Place:
    """A focus area by name or code, or a wijk or buurt by code or name ('Heerlen: Heerlen-Centrum')."""
    candidates = [regions.region(region_key)] if region_key else list(regions.regions.values())
    for region in candidates:
        try:
            area = region.focus_area(text)
        except AreaLookupError:
            continue
        return Place(area.code, area.name, "focus", region, area.gemeente_codes, area.codes, area.note)
    gemeenten = {g.code: g.name for r in regions.regions.values() for g in r.gemeenten}
    found = register_of(processed).find(text, gemeenten)
    region = regions.find_region_of(found.gemeente_code)
    return Place(found.code, found.name, found.level, region, (found.gemeente_code,))


PLURAL = {"buurt": "buurten", "wijk": "wijken"}


def area_map(
    page: Page,
    rows: pd.DataFrame,
    indicator: Indicator,
    shapes,
    *,
    word: str,
    name: str,
    highlight: tuple[str, ...] = (),
    highlight_name: str = "",
) -> str:
    """A map of buurten or wijken (`rows`: one indicator's values in one period, missing ones included) with a
    sentence on the range, where the boundaries come from and what is not drawn; a schematic when `shapes` (RD,
    with a code per area and the year in attrs) is None or knows none of the areas."""
    year, period, unit, d = int(rows["year_end"].max()), rows["period"].iloc[0], indicator.unit, indicator.decimals
    drawn = rows if shapes is None else rows[rows["area_code"].isin(set(shapes["code"]))]
    other = None
    if shapes is not None and drawn.empty:  # boundaries of another indeling: none of these codes
        other, shapes, drawn = shapes.attrs["year"], None, rows
    known = drawn.dropna(subset=["value"]).sort_values("value")
    fig = figure_area_map(
        drawn,
        shapes,
        title=f"{indicator.title} per {word}, {period}",
        unit=unit,
        decimals=d,
        highlight=highlight,
        word=word,
    )
    unknown = len(drawn) - len(known)
    if known.empty:  # the boundaries know only areas without a figure
        summary = f"{first_upper(indicator.title.lower())} in {period}: geen van de {PLURAL[word]} op de kaart heeft een cijfer."
    else:
        low, high = known.iloc[0], known.iloc[-1]
        summary = (
            f"{first_upper(indicator.title.lower())} in {period} per {word} van "
            f"{fmt.value_with_unit(low['value'], unit, d)} in {low['area_name']} tot "
            f"{fmt.value_with_unit(high['value'], unit, d)} in {high['area_name']}"
        )
        summary += f"; {unknown} {word if unknown == 1 else PLURAL[word]} zonder cijfer." if unknown else "."
    if shapes is None:
        missing = (
            f"de buurtgrenzen van {other} kennen deze {PLURAL[word]} niet (andere indeling)"
            if other
            else f"de buurtgrenzen van {year} zijn niet ingelezen"
        )
        where = (
            f"Schematische kaart: {missing}. Elk vakje is een {word}, op volgorde van de CBS-code; de ligging "
            "en de vorm zijn niet die van de echte " + f"{PLURAL[word]}."
        )
    else:
        where = f"Grenzen: CBS/Kadaster, wijk- en buurtkaart {shapes.attrs['year']} (PDOK)."
        left_out = sorted(set(rows["area_name"]) - set(drawn["area_name"]))
        if left_out:
            named = ", ".join(left_out[:8]) + (f" en {len(left_out) - 8} andere" if len(left_out) > 8 else "")
            where += (
                f" Niet op de kaart, want niet in de grenzen van {shapes.attrs['year']} (andere indeling): {named}."
            )
    if 0 < len(set(highlight) & set(drawn["area_code"])) < len(drawn):
        where += f" {highlight_name} is omlijnd."
    data = pd.DataFrame(
        {
            first_upper(word): drawn["area_name"],
            "Waarde": [
                fmt.value_with_unit(v, unit, d)
                if finite(v)
                else f"{fmt.MISSING} ({r})"
                if isinstance(r, str) and r
                else fmt.MISSING
                for v, r in zip(drawn["value"], drawn["missing_reason"])
            ],
            "Marge": [
                f"{fmt.number(lo, d)} – {fmt.number(hi, d)}" if finite(lo) and finite(hi) else ""
                for lo, hi in zip(drawn["lower_ci"], drawn["upper_ci"])
            ],
        }
    )
    kind = "Schematische kaart" if shapes is None else "Kaart"
    chart = page.chart(
        fig,
        alt=f"{kind} van {len(drawn)} {PLURAL[word]}, gekleurd naar {indicator.title.lower()}. {summary}",
        data=data,
        name=name.lower(),
    )
    return str(Markup("<p>{} {}</p>{}").format(summary, where, Markup(chart.data)))


def wijken_section(
    processed: Processed,
    regions: RegionsConfig,
    catalogue: dict[str, Indicator],
    region: Region,
    gemeente_code: str,
    gemeente_name: str,
    benchmark: str,
    page: Page,
) -> HTML:
    """For the gemeente factsheet: its wijken ranked on the target-basket indicators that exist per wijk, latest
    year, with intervals; one ranked chart for the first of them."""
    values = processed.small_areas("small_area_values", gemeente_code=gemeente_code, area_level="wijk")
    values = values[(values["region"] == region.key) & values["value"].notna()]
    chosen = [
        i for i in judging(catalogue) if i.target_basket and i.has_level("wijk") and i.id in set(values["indicator"])
    ]
    if values.empty or not chosen:
        return HTML("")
    benchmark_name = "de rest van Nederland" if benchmark == "rest_nl" else regions.benchmarks[benchmark]
    blocks, table = [], []
    for indicator in chosen:
        part = values[values["indicator"] == indicator.id]
        part = part[part["year_end"] == part["year_end"].max()]
        period = part["period"].iloc[0]
        everything = processed.rows("indicator_values", region=region.key, indicator=indicator.id)
        centre = everything[(everything["area_code"] == benchmark) & (everything["period"] == period)]["value"]
        for r in part.itertuples():
            table.append(
                {
                    "Wijk": r.area_name,
                    "code": r.area_code,
                    f"{indicator.title} ({period})": fmt.value_with_unit(r.value, indicator.unit, indicator.decimals)
                    + (f" {ROUNDING_MARK}" if finite(r.rounding_share) and r.rounding_share > MOSTLY_ROUNDING else ""),
                }
            )
        if not blocks:
            worst = part.sort_values("value", ascending=indicator.higher_is_better).iloc[0]
            title = (
                f"{indicator.title} per wijk van {gemeente_name}, {period}: van "
                f"{fmt.value_with_unit(part['value'].min(), indicator.unit, indicator.decimals)} tot "
                f"{fmt.value_with_unit(part['value'].max(), indicator.unit, indicator.decimals)}"
            )
            alt = (
                f"Gerangschikte puntgrafiek van {indicator.title.lower()} in {period} voor de {len(part)} wijken van "
                f"{gemeente_name} met hun 95%-marge en {benchmark_name} als lijn. Het minst gunstig: "
                f"{worst['area_name']} ({fmt.value_with_unit(worst['value'], indicator.unit, indicator.decimals)})."
            )
            data = pd.DataFrame(
                {
                    "Wijk": part["area_name"],
                    "Waarde": [fmt.value_with_unit(v, indicator.unit, indicator.decimals) for v in part["value"]],
                    "Marge": [
                        f"{fmt.number(lo, indicator.decimals)} – {fmt.number(hi, indicator.decimals)}"
                        for lo, hi in zip(part["lower_ci"], part["upper_ci"])
                    ],
                }
            )
            blocks.append(
                page.chart(
                    figure_ranked(
                        part,
                        title=title,
                        unit=indicator.unit,
                        decimals=indicator.decimals,
                        higher_is_better=indicator.higher_is_better,
                        highlight="",
                        centre=float(centre.iloc[0]) if len(centre) else None,
                        centre_label=first_upper(benchmark_name),
                        others_label="wijken",
                    ),
                    alt=alt,
                    data=data,
                    name=f"{gemeente_code}-wijken-{indicator.id}".lower(),
                ).data
            )
            shapes = load_wijk_boundaries((gemeente_code,), int(part["year_end"].max()))
            if shapes is not None and shapes["code"].isin(part["area_code"]).any():
                # only with real boundaries that know these wijken: the ranked chart already shows every wijk
                everyone = processed.small_areas("small_area_values", gemeente_code=gemeente_code, area_level="wijk")
                everyone = everyone[
                    (everyone["region"] == region.key)
                    & (everyone["indicator"] == indicator.id)
                    & (everyone["period"] == period)
                ]
                blocks.append(
                    area_map(page, everyone, indicator, shapes, word="wijk", name=f"{gemeente_code}-wijken-kaart")
                )
    frame = pd.DataFrame(table).groupby(["code", "Wijk"], as_index=False).first().drop(columns="code")
    first = [c for c in frame.columns if c != "Wijk"][0]
    frame = frame.sort_values(first, key=lambda s: s.map(_sort_value), ascending=not chosen[0].higher_is_better)
    return HTML(
        str(Markup('<section class="tb-wijken"><h2>De wijken van {}</h2>').format(gemeente_name))
        + f"<p>Het gemiddelde van een gemeente verbergt waar de achterstand zit. Per wijk de laatste cijfers van de "
        f"doelindicatoren die CBS per wijk publiceert (met marge, inclusief de afronding van CBS; "
        f"{ROUNDING_MARK}: de marge komt vooral door die afronding).</p>"
        + table_html(frame.fillna(fmt.MISSING), caption=f"De wijken van {gemeente_name}")
        + "".join(blocks)
        + "</section>"
    )


def _sort_value(text: str) -> float:
    try:
        return float(str(text).split(" ")[0].replace(".", "").replace(",", ".").rstrip("%"))
    except ValueError:
        return np.nan
