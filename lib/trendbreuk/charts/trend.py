"""Trend and gap charts in Dutch, with a colour-blind-safe palette (Okabe & Ito 2008) and line styles that
keep the series apart in grey print too."""

from __future__ import annotations

import numpy as np
import pandas as pd

from trendbreuk import formatting as fmt
from trendbreuk.charts.figure import Figure

# Okabe-Ito colours; each series also has its own dash and marker.
COLOURS = {
    "gemeente": "#0072B2",  # blue
    "subregio": "#009E73",  # bluish green
    "regio": "#E69F00",  # orange
    "benchmark": "#000000",  # black
    "target": "#CC79A7",  # reddish purple
}
STYLE = {
    "gemeente": dict(dash="solid", symbol="circle", width=3),
    "subregio": dict(dash="dot", symbol="square", width=2),
    "regio": dict(dash="dash", symbol="diamond", width=2),
    "benchmark": dict(dash="longdash", symbol="x", width=2),
}


def wrap_title(title: str, width: int = 80) -> tuple[str, int]:
    """A chart title broken over lines (plotly does not wrap titles), and its number of lines. The main line
    is wrapped at `width` characters, a <sup> subtitle at 1.4 times that."""
    import re
    import textwrap

    main, _, rest = title.partition("<br>")
    lines = textwrap.wrap(main, width) or [""]
    for sub in re.findall(r"<sup>(.*?)</sup>", rest):
        lines += [f"<sup>{part}</sup>" for part in textwrap.wrap(sub, int(width * 1.4))]
    return "<br>".join(lines), len(lines)


def title_layout(title: str, top: int = 30) -> dict:
    """Layout settings for a wrapped title: the text and a top margin that leaves room for every line."""
    text, lines = wrap_title(title)
    return dict(title=dict(text=text, x=0, xanchor="left", font=dict(size=16)), margin_t=top + 22 * lines)


def _layout(fig: Figure, title: str, y_title: str) -> Figure:
    fig.update_layout(
        template="simple_white",
        separators=",.",
        font=dict(family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", size=13),
        legend=dict(orientation="h", yanchor="top", y=-0.18, x=0, title_text=""),
        margin=dict(l=60, r=20, b=90),
        height=420,
        hoverlabel=dict(bgcolor="white"),
        yaxis_title=y_title,
        **title_layout(title),
    )
    return fig


def _margin_hover(points: pd.DataFrame, area_label: str, describe, decimals: int, gap_unit: str) -> list[str]:
    """Hover text per point of a gap (columns period, gap, gap_lower, gap_upper): the area, the period, `describe(gap)`
    and the margin."""
    return [
        f"<b>{area_label}</b><br>{p}: {describe(g)}"
        f"<br>marge {fmt.number(lo, decimals)} tot {fmt.number(hi, decimals)} {gap_unit}"
        for p, g, lo, hi in zip(points["period"], points["gap"], points["gap_lower"], points["gap_upper"])
    ]


def _gap_bars(rows: pd.DataFrame, colour: str, thickness: float) -> dict:
    """Error bars from a gap's interval (columns gap, gap_lower, gap_upper)."""
    return dict(
        type="data",
        symmetric=False,
        array=rows["gap_upper"] - rows["gap"],
        arrayminus=rows["gap"] - rows["gap_lower"],
        color=colour,
        thickness=thickness,
    )


def _ticks(frame: pd.DataFrame) -> tuple[list[float], list[str]]:
    ticks = frame.drop_duplicates("t").sort_values("t")
    return ticks["t"].tolist(), ticks["period"].tolist()


def _runs(rows: pd.DataFrame, breaks: list[float]) -> list[pd.DataFrame]:
    """The rows split at each break (a time point from which a new series starts)."""
    edges = [-np.inf, *sorted(breaks), np.inf]
    return [part for lo, hi in zip(edges, edges[1:]) if not (part := rows[(rows["t"] >= lo) & (rows["t"] < hi)]).empty]


def figure_trend(
    values: pd.DataFrame,
    series: list[tuple[str, str, str]],
    *,
    title: str,
    unit: str,
    decimals: int = 1,
    breaks: list[float] | None = None,
) -> Figure:
    """Lines over time for several areas; the first series gets its 95% interval as a band.

    values: rows with area_code, period, year_start, year_end, value, lower_ci, upper_ci.
    series: (area_code, label, role) with role in gemeente / subregio / regio / benchmark.
    breaks: time points where the first series starts anew (a wijk whose boundary changed): its line and band are
    not drawn across them, and a vertical line says so.
    """
    frame = values.assign(t=(values["year_start"] + values["year_end"]) / 2).sort_values("t")
    fig = Figure()
    for position, (code, label, role) in enumerate(series):
        rows = frame[frame["area_code"] == code]
        if rows.empty:
            continue
        style = STYLE[role]
        colour = COLOURS[role]
        if position == 0 and breaks:
            runs = _runs(rows, breaks)
            for number, run in enumerate(runs):
                fig.add_trace(
                    "scatter",
                    x=pd.concat([run["t"], run["t"][::-1]]),
                    y=pd.concat([run["upper_ci"], run["lower_ci"][::-1]]),
                    mode="lines",
                    fill="toself",
                    fillcolor="rgba(0,114,178,0.15)",
                    line=dict(width=0),
                    hoverinfo="skip",
                    name=f"{label}: 95%-onzekerheidsmarge",
                    showlegend=number == 0,
                    legendgroup="band",
                )
            gap = pd.DataFrame({c: [np.nan] for c in rows.columns})
            rows = pd.concat([part for run in runs for part in (run, gap)][:-1], ignore_index=True)
            for when in breaks:
                fig.add_vline(
                    x=when - 0.5,
                    line=dict(color="#555555", dash="dot", width=1.5),
                    annotation_text="indeling gewijzigd",
                    annotation_position="top right",
                    annotation_font=dict(size=11, color="#555555"),
                )
        elif position == 0:
            fig.add_trace(
                "scatter",
                x=pd.concat([rows["t"], rows["t"][::-1]]),
                y=pd.concat([rows["upper_ci"], rows["lower_ci"][::-1]]),
                mode="lines",
                fill="toself",
                fillcolor="rgba(0,114,178,0.15)",
                line=dict(width=0),
                hoverinfo="skip",
                name=f"{label}: 95%-onzekerheidsmarge",
                showlegend=True,
            )
        hover = [
            f"<b>{label}</b><br>{p}: {fmt.value_with_unit(v, unit, decimals)}"
            f"<br>marge {fmt.value_with_unit(lo, unit, decimals)} tot {fmt.value_with_unit(hi, unit, decimals)}"
            for p, v, lo, hi in zip(rows["period"], rows["value"], rows["lower_ci"], rows["upper_ci"])
        ]
        fig.add_trace(
            "scatter",
            x=rows["t"],
            y=rows["value"],
            mode="lines+markers",
            name=label,
            line=dict(color=colour, dash=style["dash"], width=style["width"]),
            marker=dict(symbol=style["symbol"], size=8, color=colour),
            hovertext=hover,
            hoverinfo="text",
        )
    tickvals, ticktext = _ticks(frame.dropna(subset=["t"]))
    fig.update_xaxes(tickvals=tickvals, ticktext=ticktext, title_text="")
    fig.update_yaxes(ticksuffix="%" if unit == "%" else "", rangemode="tozero")
    return _layout(fig, title, "percentage" if unit == "%" else unit)


def figure_gap(
    gaps: pd.DataFrame,
    *,
    title: str,
    unit: str,
    area_label: str,
    benchmark_label: str,
    target_year: int = 2030,
    share: float = 0.25,
    decimals: int = 1,
) -> Figure:
    """The area's gap to the benchmark over time with its 95% interval, and the linear target path to 2030.

    gaps: rows of one area from the gaps table (t, period, gap, gap_lower, gap_upper, baseline_gap, t_baseline).
    """
    frame = gaps.sort_values("t")
    gap_unit = fmt.gap_unit(unit)
    fig = Figure()
    # the zero line is named in the legend, not by a label on the plot that error bars could cross
    fig.add_trace(
        "scatter",
        x=[float(frame["t"].min()), float(target_year)],
        y=[0, 0],
        mode="lines",
        name=f"0 = geen achterstand op {benchmark_label}",
        hoverinfo="skip",
        line=dict(color="#555555", width=1),
    )
    hover = _margin_hover(
        frame, area_label, lambda g: f"achterstand {fmt.difference(g, unit, decimals)}", decimals, gap_unit
    )
    fig.add_trace(
        "scatter",
        x=frame["t"],
        y=frame["gap"],
        mode="lines+markers",
        name=f"achterstand {area_label}",
        line=dict(color=COLOURS["gemeente"], width=3),
        marker=dict(size=9, color=COLOURS["gemeente"]),
        error_y=_gap_bars(frame, "rgba(0,114,178,0.5)", 1.5),
        hovertext=hover,
        hoverinfo="text",
    )
    baseline = frame.dropna(subset=["baseline_gap"]).head(1)
    if not baseline.empty and float(baseline["baseline_gap"].iloc[0]) > 0:
        b = float(baseline["baseline_gap"].iloc[0])
        tb = float(baseline["t_baseline"].iloc[0])
        end = b * (1 - share)
        fig.add_trace(
            "scatter",
            x=[tb, target_year],
            y=[b, end],
            mode="lines+markers",
            name=f"doelpad: {fmt.share(share)} minder achterstand in {target_year}",
            line=dict(color=COLOURS["target"], dash="dash", width=2),
            marker=dict(symbol="star", size=10, color=COLOURS["target"]),
            hovertext=[
                f"start doelpad: {fmt.difference(b, unit, decimals)}",
                f"doel {target_year}: {fmt.difference(end, unit, decimals)}",
            ],
            hoverinfo="text",
        )
    tickvals, ticktext = _ticks(frame)
    tickvals.append(float(target_year))
    ticktext.append(str(target_year))
    fig.update_xaxes(tickvals=tickvals, ticktext=ticktext, title_text="")
    return _layout(fig, title, f"achterstand ({gap_unit})")


# For exploring any set of areas: Okabe-Ito colours (without yellow, too light on white) and a marker and dash each,
# so that two gemeenten are told apart in colour, in grey print and by colour-blind readers alike.
AREA_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#555555")
AREA_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "triangle-down", "cross", "star")
AREA_DASHES = ("solid", "dot", "dash", "dashdot", "longdashdot", "solid", "dot")


def figure_areas(
    values: pd.DataFrame,
    labels: dict[str, str],
    *,
    title: str,
    unit: str,
    decimals: int = 1,
    benchmark: str | None = None,
) -> Figure:
    """Lines over time for any areas, each in its own colour, marker and dash, with a legend; the benchmark (code
    `benchmark`) black and long-dashed, as in the reports. values: area_code, period, year_start, year_end, value."""
    frame = values.assign(t=(values["year_start"] + values["year_end"]) / 2).sort_values("t")
    fig = Figure()
    position = 0
    for code, label in labels.items():
        rows = frame[frame["area_code"] == code]
        if rows.empty:
            continue
        if code == benchmark:
            colour, symbol, dash = COLOURS["benchmark"], STYLE["benchmark"]["symbol"], "longdash"
        else:
            colour = AREA_COLOURS[position % len(AREA_COLOURS)]
            symbol, dash = AREA_SYMBOLS[position % len(AREA_SYMBOLS)], AREA_DASHES[position % len(AREA_DASHES)]
            position += 1
        hover = [
            f"<b>{label}</b><br>{p}: {fmt.value_with_unit(v, unit, decimals)}"
            for p, v in zip(rows["period"], rows["value"])
        ]
        fig.add_trace(
            "scatter",
            x=rows["t"],
            y=rows["value"],
            mode="lines+markers",
            name=label,
            line=dict(color=colour, dash=dash, width=2.5),
            marker=dict(symbol=symbol, size=9, color=colour),
            hovertext=hover,
            hoverinfo="text",
        )
    tickvals, ticktext = _ticks(frame)
    fig.update_xaxes(tickvals=tickvals, ticktext=ticktext, title_text="")
    fig.update_yaxes(ticksuffix="%" if unit == "%" else "", rangemode="tozero")
    return _layout(fig, title, "percentage" if unit == "%" else unit)


def figure_break(
    points: pd.DataFrame,
    course: pd.DataFrame,
    *,
    title: str,
    unit: str,
    area_label: str,
    benchmark_label: str,
    start: int,
    decimals: int = 1,
    measure: str = "achterstand",
) -> Figure:
    """The interrupted time series of a gap: the measured gaps with their 95% interval, the fitted course before
    and since the programme's start, and the course before continued (dashed, with its band): what the gap would
    have done had nothing changed.

    points: the periods the analysis used (t, period, gap, gap_lower, gap_upper); course: SegmentedFit.course on a
    fine grid of t (t, fitted, counterfactual, counterfactual_lower, counterfactual_upper, after). With
    measure="waarde" the points are the area's own values (in the columns gap, gap_lower and gap_upper)."""
    gap = measure == "achterstand"
    gap_unit = fmt.gap_unit(unit) if gap else unit
    fig = Figure()
    first, last = float(points["t"].min()), float(points["t"].max())
    if gap:
        fig.add_trace(
            "scatter",
            x=[first, last],
            y=[0, 0],
            mode="lines",
            name=f"0 = geen achterstand op {benchmark_label}",
            hoverinfo="skip",
            line=dict(color="#555555", width=1),
        )
    since = course[course["after"]]
    band_x = since["t"].tolist() + since["t"].tolist()[::-1]
    band_y = since["counterfactual_upper"].tolist() + since["counterfactual_lower"].tolist()[::-1]
    fig.add_trace(
        "scatter",
        x=band_x,
        y=band_y,
        fill="toself",
        mode="lines",
        line=dict(width=0),
        fillcolor="rgba(85,85,85,0.15)",
        hoverinfo="skip",
        name="marge van dat verloop (95%)",
    )
    fig.add_trace(
        "scatter",
        x=since["t"],
        y=since["counterfactual"],
        mode="lines",
        name=f"als het verloop van vóór {start} was doorgegaan",
        line=dict(color="#555555", dash="dash", width=2),
        hoverinfo="skip",
    )
    before = course[~course["after"]]
    fig.add_trace(
        "scatter",
        x=before["t"],
        y=before["fitted"],
        mode="lines",
        name=f"verloop vóór {start}",
        line=dict(color=COLOURS["regio"], width=3),
        hoverinfo="skip",
    )
    fig.add_trace(
        "scatter",
        x=since["t"],
        y=since["fitted"],
        mode="lines",
        name=f"verloop sinds {start}",
        line=dict(color=COLOURS["gemeente"], width=3),
        hoverinfo="skip",
    )
    shown = (lambda g: fmt.difference(g, unit, decimals)) if gap else (lambda g: fmt.value_with_unit(g, unit, decimals))
    hover = _margin_hover(points, area_label, lambda g: f"{measure} {shown(g)}", decimals, gap_unit)
    fig.add_trace(
        "scatter",
        x=points["t"],
        y=points["gap"],
        mode="markers",
        name=f"gemeten {measure} {area_label}",
        marker=dict(size=8, color="#000000", symbol="circle"),
        error_y=_gap_bars(points, "rgba(0,0,0,0.45)", 1.2),
        hovertext=hover,
        hoverinfo="text",
    )
    tickvals, ticktext = _ticks(points)
    fig.update_xaxes(tickvals=tickvals, ticktext=ticktext, title_text="")
    return _layout(fig, title, f"{measure} ({gap_unit})")
