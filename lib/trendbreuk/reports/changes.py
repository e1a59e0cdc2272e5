"""The section "Wat is er veranderd sinds editie ..." of the regional report and the factsheets: what changed since the
last saved edition and why (trendbreuk.changes), for one area, in words a stuurgroep reads, with the whole list as
CSV for researchers. Shown only when the build was compared with an earlier edition."""

from __future__ import annotations

import numpy as np
import pandas as pd
from markupsafe import Markup

from trendbreuk import formatting as fmt
from trendbreuk.changes import CAUSES, KINDS, summary
from trendbreuk.indicators.catalogue import Indicator
from trendbreuk.indicators.verdict import VERDICTS
from trendbreuk.processed import Processed
from trendbreuk.reports.common import COMPARISON
from trendbreuk.reports.page import HTML, download_link, table_html

SHOWN_ROWS = 15  # rows of each table in the page; all of them are in the CSV


def _label(kind: str, value) -> str:
    if kind == "ander_oordeel":
        return VERDICTS.get(value, str(value))
    if kind == "andere_stand":
        return COMPARISON.get(value, ("", str(value)))[1]
    return ""


def _caption(text: str, more: int) -> str:
    return text + (f"; nog {more} in de download" if more > 0 else "")


def changes_section(
    processed: Processed,
    catalogue: dict[str, Indicator],
    region_key: str,
    areas: dict[str, str],
    title_name: str,
    benchmark: str,
    file_stem: str,
) -> HTML:
    """What changed since the edition this build was compared with (empty when there is none), for the areas of a
    report (code -> name: a gemeente; or a region or subregio with its subregio's and gemeenten, the first one being
    the report's own area)."""
    since = (processed.info.get("changes_since") or {}).get("edition")
    changes = processed.changes
    if not since or changes is None:
        return HTML("")
    own = changes[
        (changes["region"] == region_key)
        & changes["area_code"].isin(list(areas))
        & ((changes["benchmark"] == "") | (changes["benchmark"] == benchmark))
    ]
    order = {code: n for n, code in enumerate(areas)}
    own = (
        own.assign(_order=own["area_code"].map(order))
        .sort_values(["_order", "indicator", "kind", "period"], kind="stable")
        .drop(columns="_order")
    )
    several = len(areas) > 1
    intro = summary(own, since).replace(f"Sinds editie {since}", f"Voor {title_name}, sinds editie {since}", 1)
    blocks = [str(Markup('<p class="tb-lead">{}</p>').format(intro))]

    def with_area(frame: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
        return (
            frame.assign(Gebied=rows["area_code"].map(areas).to_numpy())[["Gebied", *frame.columns]]
            if several
            else frame
        )

    verdicts = own[own["kind"].isin(["ander_oordeel", "andere_stand"])]
    if not verdicts.empty:
        shown = verdicts.head(SHOWN_ROWS)
        frame = pd.DataFrame(
            {
                "Indicator": shown["indicator_title"].to_numpy(),
                "Wat": shown["kind"].map(KINDS).to_numpy(),
                "Was": [_label(k, v) for k, v in zip(shown["kind"], shown["old_state"])],
                "Nu": [_label(k, v) for k, v in zip(shown["kind"], shown["new_state"])],
                "Waardoor": shown["cause_label"].to_numpy(),
            }
        )
        blocks.append(
            table_html(
                with_area(frame, shown),
                caption=_caption(
                    f"Oordelen en de stand nu die veranderd zijn ({title_name})", len(verdicts) - len(shown)
                ),
            )
        )
    earlier = own[
        own["kind"].isin(["gewijzigde_waarde", "nieuwe_periode", "vervallen_periode"])
        & (own["cause"] != "nieuwe_cijfers")
    ]
    if not earlier.empty:
        shown = earlier.head(SHOWN_ROWS)
        decimals = shown["indicator"].map({k: i.decimals for k, i in catalogue.items()}).fillna(1).astype(int)
        units = shown["indicator"].map({k: i.unit for k, i in catalogue.items()}).fillna("")
        frame = pd.DataFrame(
            {
                "Indicator": shown["indicator_title"].to_numpy(),
                "Periode": shown["period"].to_numpy(),
                "Wat": shown["kind"].map(KINDS).to_numpy(),
                "Was": [
                    fmt.value_with_unit(v, u, d) if np.isfinite(v) else fmt.MISSING
                    for v, u, d in zip(shown["old_value"].astype(float), units, decimals)
                ],
                "Nu": [
                    fmt.value_with_unit(v, u, d) if np.isfinite(v) else fmt.MISSING
                    for v, u, d in zip(shown["new_value"].astype(float), units, decimals)
                ],
                "Waardoor": shown["cause_label"].to_numpy(),
            }
        )
        blocks.append(
            table_html(
                with_area(frame, shown),
                caption=_caption(
                    f"Cijfers over eerdere periodes die veranderd zijn ({title_name})", len(earlier) - len(shown)
                ),
            )
        )
    if not own.empty:
        download = own.rename(
            columns={"indicator_title": "indicator_titel", "area_name": "gebied", "cause_label": "oorzaak"}
        )
        blocks.append(
            f"<p>{download_link(download, f'wijzigingen-{file_stem}-sinds-{since}.csv', 'Download alle wijzigingen (CSV)')}</p>"
        )
    causes = "; ".join(f"{label}" for label in CAUSES.values())
    return HTML(
        str(
            Markup(
                '<section class="tb-changes" id="veranderd"><h2>Wat is er veranderd sinds editie {since}</h2>{blocks}'
                '<p class="tb-note">Elke verandering heeft een oorzaak die het werkboek heeft nagerekend, niet geraden '
                "({causes}): nieuwe cijfers zijn jaren die er bij editie {since} nog niet waren; een herziening is een bron die "
                "eerdere cijfers heeft aangepast; een andere methode of instelling is een gewijzigde catalogus, "
                "doelinstelling of werkboekversie; een herindeling is een gemeentelijke herindeling. Een verschil kleiner dan "
                "de laatste getoonde decimaal telt niet als verandering.</p></section>"
            ).format(since=since, blocks=Markup("".join(blocks)), causes=causes)
        )
    )
