"""Charts that compare many areas or indicators: a funnel plot of gemeenten, and the progress of the gap per
indicator against the target path. Dutch labels, colour-blind-safe colours plus symbols."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from trendbreuk import formatting as fmt
from trendbreuk.charts.figure import Figure
from trendbreuk.charts.trend import COLOURS, _layout

VERDICT_COLOURS = {
    "doel_bereikt": "#0072B2",
    "op_koers": "#56B4E9",
    "geen_achterstand": "#999999",
    "onvoldoende_gegevens": "#DDDDDD",
    "versnelling_nodig": "#E69F00",
    "achterstand_groeit": "#D55E00",
}
COMPARISON_SYMBOLS = {
    "slechter": "triangle-up",
    "beter": "triangle-down",
    "gelijk": "circle",
    "niet_te_beoordelen": "x",
}


def figure_funnel(
    points: pd.DataFrame,
    *,
    centre: float,
    centre_label: str,
    title: str,
    unit: str,
    multiplier: float = 100.0,
    decimals: int = 1,
) -> Figure:
    """Funnel plot (Spiegelhalter 2005, Stat Med 24:1185): each gemeente's value against its denominator, with
    95% and 99.8% control limits around `centre` (binomial: centre +/- z sqrt(p(1-p)/n)). A small gemeente
    outside the funnel is unusual; inside it, a high or low value can be chance.

    points: area_name, denominator, value, comparison (for the symbol)."""
    p = centre / multiplier
    n_max = float(points["denominator"].max()) * 1.1
    n = np.linspace(max(10.0, float(points["denominator"].min()) * 0.8), n_max, 200)
    fig = Figure()
    for z, name, dash in ((norm.ppf(0.999), "99,8%-grenzen", "dot"), (norm.ppf(0.975), "95%-grenzen", "dash")):
        spread = z * np.sqrt(p * (1 - p) / n) * multiplier
        for sign, show in ((1, True), (-1, False)):
            fig.add_trace(
                "scatter",
                x=n,
                y=centre + sign * spread,
                mode="lines",
                name=name,
                showlegend=show,
                legendgroup=name,
                hoverinfo="skip",
                line=dict(color="#777777", dash=dash, width=1),
            )
    # the centre line is named in the legend, not by a label on the plot that gemeente names could cover
    fig.add_trace(
        "scatter",
        x=[float(n[0]), float(n[-1])],
        y=[centre, centre],
        mode="lines",
        name=centre_label,
        hoverinfo="skip",
        line=dict(color=COLOURS["benchmark"], width=1.5),
    )
    hover = [
        f"<b>{a}</b><br>{fmt.value_with_unit(v, unit, decimals)} (noemer {fmt.number(d, 0)})"
        for a, v, d in zip(points["area_name"], points["value"], points["denominator"])
    ]
    # one trace per comparison, so that the legend shows every symbol drawn; only the gemeenten outside the funnel
    # carry their name on the plot (the others are in the hover text and the table), so that names never overlap
    comparison = np.asarray(points["comparison"] if "comparison" in points else ["gelijk"] * len(points), dtype=object)
    hover = np.asarray(hover, dtype=object)
    words = {
        "slechter": "gemeente duidelijk slechter",
        "gelijk": "gemeente niet duidelijk anders",
        "beter": "gemeente duidelijk beter",
        "niet_te_beoordelen": "gemeente niet te beoordelen",
    }
    for status, word in words.items():
        chosen = comparison == status
        if not chosen.any():
            continue
        named = status in ("slechter", "beter")
        fig.add_trace(
            "scatter",
            x=points["denominator"][chosen],
            y=points["value"][chosen],
            mode="markers+text" if named else "markers",
            name=word,
            hovertext=list(hover[chosen]),
            hoverinfo="text",
            **(
                {"text": list(points["area_name"][chosen]), "textposition": "top center", "textfont": dict(size=10)}
                if named
                else {}
            ),
            marker=dict(
                size=10,
                color={"slechter": "#E69F00", "beter": COLOURS["gemeente"]}.get(status, "#FFFFFF"),
                symbol=COMPARISON_SYMBOLS[status],
                line=dict(color="#000000", width=1),
            ),
        )
    fig.update_xaxes(title_text="noemer (aantal)", rangemode="tozero")
    fig.update_yaxes(ticksuffix="%" if unit == "%" else "")
    return _layout(fig, title, "percentage" if unit == "%" else unit)


def figure_progress(rows: pd.DataFrame, *, title: str, target_year: int = 2030, target_share: float = 0.25) -> Figure:
    """Per indicator: the share of the baseline gap closed so far (bar, coloured by verdict) and the share the
    target path asks for by now (marker). rows: title, share_closed, target_share_closed_now, verdict, verdict_label."""
    rows = rows.sort_values("share_closed")
    fig = Figure()
    for verdict, part in rows.groupby("verdict", sort=False):
        fig.add_trace(
            "bar",
            y=part["title"],
            x=100 * part["share_closed"].clip(-1, 1.5),
            orientation="h",
            name=part["verdict_label"].iloc[0],
            marker=dict(color=VERDICT_COLOURS[verdict], line=dict(color="#333333", width=0.5)),
            hovertext=[
                f"<b>{t}</b><br>ingelopen: {fmt.share(s)}<br>doelpad nu: {fmt.share(g)}<br>oordeel: {l}"
                for t, s, g, l in zip(
                    part["title"], part["share_closed"], part["target_share_closed_now"], part["verdict_label"]
                )
            ],
            hoverinfo="text",
        )
    fig.add_trace(
        "scatter",
        y=rows["title"],
        x=100 * rows["target_share_closed_now"],
        mode="markers",
        name="doelpad: nu ingelopen",
        marker=dict(symbol="line-ns-open", size=18, color="#000000", line=dict(width=3)),
        hoverinfo="skip",
    )
    fig.add_vline(
        x=100 * target_share,
        line=dict(color=COLOURS["target"], dash="dash", width=2),
        annotation_text=f"doel {target_year}: {fmt.share(target_share)}",
        annotation_position="top",
    )
    fig.update_xaxes(title_text="deel van de achterstand bij de start dat is ingelopen", ticksuffix="%")
    fig = _layout(fig, title, "")
    fig.update_layout(height=max(360, 28 * len(rows) + 160), barmode="overlay", margin=dict(l=260))
    return fig


def figure_spine(rows: pd.DataFrame, *, title: str, area_label: str, benchmark_label: str) -> Figure:
    """Spine chart (as in the public-health profiles): one line per indicator, the benchmark in the middle, worse to
    the left and better to the right whatever the polarity. The grey bar spans the region's gemeenten; the marker is
    this gemeente, with its comparison as colour and symbol. Each row is scaled by its largest distance to the
    benchmark, so rows share a direction, not a unit; the hover text gives the real values.

    rows: title, value, benchmark, low, high, higher_is_better, comparison, unit, decimals."""
    rows = rows.iloc[::-1].reset_index(drop=True)
    sign = np.where(rows["higher_is_better"], 1.0, -1.0)
    spread = np.nanmax(
        np.abs(np.column_stack([rows["low"], rows["high"], rows["value"]]) - rows["benchmark"].to_numpy()[:, None]),
        axis=1,
    )
    spread = np.where(spread > 0, spread, 1.0)
    scale = lambda x: sign * (np.asarray(x, dtype=float) - rows["benchmark"].to_numpy()) / spread
    low, high = scale(rows["low"]), scale(rows["high"])
    fig = Figure()
    fig.add_trace(
        "bar",
        y=rows["title"],
        x=np.abs(high - low),
        base=np.minimum(low, high),
        orientation="h",
        marker=dict(color="#D9D9D9"),
        name="spreiding gemeenten in de regio",
        hoverinfo="skip",
    )
    colour = {"slechter": "#E69F00", "beter": "#0072B2", "gelijk": "#FFFFFF", "niet_te_beoordelen": "#FFFFFF"}
    hover = [
        f"<b>{t}</b><br>{area_label}: {fmt.value_with_unit(v, u, d)}<br>{benchmark_label}: "
        f"{fmt.value_with_unit(b, u, d)}<br>gemeenten: {fmt.value_with_unit(lo, u, d)} tot {fmt.value_with_unit(hi, u, d)}"
        for t, v, b, lo, hi, u, d in zip(
            rows["title"], rows["value"], rows["benchmark"], rows["low"], rows["high"], rows["unit"], rows["decimals"]
        )
    ]
    # one trace per comparison, so that the legend shows every symbol drawn
    words = {
        "slechter": "duidelijk slechter",
        "gelijk": "niet duidelijk anders",
        "beter": "duidelijk beter",
        "niet_te_beoordelen": "niet te beoordelen",
    }
    x, hover = scale(rows["value"]), np.asarray(hover, dtype=object)
    for status, word in words.items():
        chosen = (rows["comparison"] == status).to_numpy()
        if chosen.any():
            fig.add_trace(
                "scatter",
                y=rows["title"][chosen],
                x=x[chosen],
                mode="markers",
                name=f"{area_label}: {word}",
                hovertext=list(hover[chosen]),
                hoverinfo="text",
                marker=dict(
                    size=13,
                    color=colour[status],
                    symbol=COMPARISON_SYMBOLS[status],
                    line=dict(color="#000000", width=1.5),
                ),
            )
    fig.update_yaxes(categoryorder="array", categoryarray=list(rows["title"]))
    fig.add_vline(x=0, line=dict(color="#000000", width=1.5))
    fig.update_xaxes(
        range=[-1.15, 1.15], tickvals=[-1, 0, 1], ticktext=["slechter", benchmark_label, "beter"], title_text=""
    )
    fig = _layout(fig, title, "")
    fig.update_layout(height=max(380, 26 * len(rows) + 170), margin=dict(l=300), barmode="overlay")
    return fig


def figure_ranked(
    rows: pd.DataFrame,
    *,
    title: str,
    unit: str,
    decimals: int,
    higher_is_better: bool,
    highlight: str,
    centre: float | None = None,
    centre_label: str = "",
    others_label: str = "andere regio's",
) -> Figure:
    """Ranked dot plot: one row per area (e.g. every GGD region), its value with the 95% interval as a bar, the most
    favourable at the top whatever the polarity, the highlighted area in another colour and symbol, and the national
    value as a vertical line.

    rows: area_code, area_name, value, lower_ci, upper_ci."""
    rows = rows.sort_values("value", ascending=higher_is_better).reset_index(drop=True)  # plotly draws bottom-up
    fig = Figure()
    for own in (False, True):
        part = rows[(rows["area_code"] == highlight) == own]
        if part.empty:
            continue
        hover = [
            f"<b>{a}</b><br>{fmt.value_with_unit(v, unit, decimals)} (95%-interval "
            f"{fmt.value_with_unit(lo, unit, decimals)} tot {fmt.value_with_unit(hi, unit, decimals)})"
            for a, v, lo, hi in zip(part["area_name"], part["value"], part["lower_ci"], part["upper_ci"])
        ]
        fig.add_trace(
            "scatter",
            y=part["area_name"],
            x=part["value"],
            mode="markers",
            hovertext=hover,
            hoverinfo="text",
            name=part["area_name"].iloc[0] if own else others_label,
            error_x=dict(
                type="data",
                symmetric=False,
                array=part["upper_ci"] - part["value"],
                arrayminus=part["value"] - part["lower_ci"],
                color="#D55E00" if own else "#777777",
                thickness=2.5 if own else 1.2,
                width=0,
            ),
            marker=dict(
                size=12 if own else 8,
                color="#D55E00" if own else "#0072B2",
                symbol="diamond" if own else "circle",
                line=dict(color="#000000", width=1 if own else 0),
            ),
        )
    if centre is not None and np.isfinite(centre):
        fig.add_vline(
            x=centre,
            line=dict(color=COLOURS["benchmark"], dash="dash", width=1.5),
            annotation_text=centre_label,
            annotation_position="top",
            annotation_font=dict(size=11),
        )
    fig.update_xaxes(ticksuffix="%" if unit == "%" else "", title_text="")
    fig.update_yaxes(categoryorder="array", categoryarray=list(rows["area_name"]))
    fig = _layout(fig, title, "")
    fig.update_layout(height=max(320, 20 * len(rows) + 150), margin=dict(l=220))
    return fig
