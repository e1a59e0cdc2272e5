"""The phone layout of a chart: what changes when a chart is drawn in a box narrower than PHONE_WIDTH px (a phone of
390 px leaves about 360 px), so that it fits the width without a sideways swipe and loses nothing.

- the title is wrapped for the narrow box (plotly does not wrap titles);
- a chart with the categories on the vertical axis (horizontal bars, the overview of all indicators, ranked dots)
  gets each label above its row, across the whole width, instead of a left margin of 200-300 px;
- a time axis keeps at most MAX_TICKS labels, always the first and the last period (the whole period stays visible);
- margins are small and the legend lies under the chart.

`phone_layout(spec)` returns the layout update (plotly.relayout) for a chart specification; the report page applies it
in the browser when the chart's box is narrow (reports.page). Nothing is left out: the full labels are in the hover
text and in the chart's data table.
"""

from __future__ import annotations

import re
import textwrap

from trendbreuk.charts.trend import wrap_title

PHONE_WIDTH = 600  # px: below this box width a chart takes its phone layout
TITLE_CHARS = 34  # characters per title line at 16 px in about 350 px
LABEL_CHARS = 52  # characters of a category label above its row at 11 px
ROW_PITCH = 52  # px per category row: the label above, the bar or marker below
MAX_TICKS = 5


def _unwrap(title: str) -> str:
    """A title as it was before wrap_title broke it for the desktop: main text, then <br><sup>subtitle</sup>."""
    lines = re.split(r"<br\s*/?>", title or "")
    main = " ".join(line for line in lines if not line.startswith("<sup>"))
    subs = [re.sub(r"</?sup>", "", line) for line in lines if line.startswith("<sup>")]
    # the lines of one subtitle join with a space; a new subtitle (a capital after the end of the last) with " · "
    joined = ""
    for sub in subs:
        if joined and sub[:1].isupper() and not joined.rstrip().endswith(("·", ";", ",")):
            joined += " · "
        elif joined:
            joined += " "
        joined += sub
    return main + (f"<br><sup>{joined}</sup>" if subs else "")


def _categories(traces: list[dict], axis: str) -> list[str]:
    """The categories of a categorical axis ('x' or 'y') in plotly's order of first appearance; [] for a numeric
    axis."""
    seen: dict[str, None] = {}
    for trace in traces:
        values = trace.get(axis)
        if values is None or isinstance(values, (dict, str)):  # numbers as a typed array {"dtype", "bdata"}
            continue
        if isinstance(values, (list, tuple)) and values and all(isinstance(v, str) for v in values):
            seen.update(dict.fromkeys(values))
        elif values is not None and not isinstance(values, (list, tuple)):
            try:
                items = list(values)
            except TypeError:
                continue
            if items and all(isinstance(v, str) for v in items):
                seen.update(dict.fromkeys(items))
    return list(seen)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def phone_layout(spec: dict) -> dict:
    """The layout update that fits the chart `spec` ({"data", "layout"}) into a phone's width (see the module
    docstring); {} when the chart needs no change."""
    layout, traces = spec.get("layout") or {}, spec.get("data") or []
    title = (layout.get("title") or {}).get("text") or ""
    text, lines = wrap_title(_unwrap(title), TITLE_CHARS)
    top = 34 + 20 * lines
    # the legend as a list under the chart, one line an entry, at the bottom of the chart's box
    entries = sum(1 for t in traces if t.get("showlegend", True) is not False and t.get("name"))
    bottom = 56 + 19 * entries if entries else 50
    update: dict = {
        "title.text": text,
        "title.font.size": 15,
        "title.yref": "container",
        "title.y": 1,
        "title.yanchor": "top",
        "title.pad.t": 18,
        "margin.t": top,
        "margin.r": 12,
        "margin.l": 48,
        "margin.b": bottom,
        "legend.orientation": "v",
        "legend.x": 0,
        "legend.xanchor": "left",
        "legend.yref": "container",
        "legend.y": 0,
        "legend.yanchor": "bottom",
        "legend.font.size": 11,
    }
    yaxis = layout.get("yaxis") or {}
    categories = list(yaxis.get("categoryarray") or []) or _categories(traces, "y")
    if categories and not layout.get("xaxis", {}).get("scaleanchor") and not yaxis.get("scaleanchor"):
        # labels above their rows, across the whole width
        annotations = [a for a in layout.get("annotations") or []]
        annotations += [
            dict(
                x=0,
                xref="paper",
                xanchor="left",
                y=c,
                yref="y",
                yanchor="bottom",
                yshift=11,
                text=_short(c, LABEL_CHARS),
                showarrow=False,
                align="left",
                font=dict(size=11, color="#1a1a1a"),
            )
            for c in categories
        ]
        update.update(
            {
                "yaxis.showticklabels": False,
                "yaxis.ticks": "",
                "margin.l": 8,
                "annotations": annotations,
                "bargap": 0.55,
                "height": ROW_PITCH * len(categories) + top + bottom + 10,
            }
        )
    xaxis = layout.get("xaxis") or {}
    ticktext, tickvals = xaxis.get("ticktext"), xaxis.get("tickvals")
    if (
        isinstance(ticktext, (list, tuple))
        and isinstance(tickvals, (list, tuple))
        and (len(ticktext) > MAX_TICKS or any(re.fullmatch(r"\d{4}-\d{4}", str(t)) for t in ticktext))
    ):
        keep = list(range(len(ticktext)))
        if len(ticktext) > MAX_TICKS:
            step = -(-(len(ticktext) - 1) // (MAX_TICKS - 1))
            keep = sorted(set(range(0, len(ticktext), step)) | {len(ticktext) - 1})
            if len(keep) > 1 and keep[-1] - keep[-2] < step:
                keep.pop(-2)  # never two labels side by side at the end
        update["xaxis.tickvals"] = [tickvals[i] for i in keep]
        # a pooled period on two lines ("2013-" over "2015"), so that labels stand upright side by side
        update["xaxis.ticktext"] = [re.sub(r"^(\d{4})-(\d{4})$", r"\1-<br>\2", str(ticktext[i])) for i in keep]
        update["xaxis.tickangle"] = 0
    elif isinstance(ticktext, (list, tuple)) and any(len(str(t)) > 12 for t in ticktext):
        # a few long tick labels (the overview's "slechter / de rest van Nederland / beter") wrap instead of tilting
        update["xaxis.ticktext"] = ["<br>".join(textwrap.wrap(str(t), 12)) for t in ticktext]
        update["xaxis.tickangle"] = 0
    elif not categories:
        update["xaxis.nticks"] = MAX_TICKS + 1
    if not categories and not yaxis.get("scaleanchor"):
        # the axis title smaller and close to its ticks, so that a unit such as "achterstand (procentpunt)" fits
        update.update(
            {"margin.l": 58, "yaxis.title.font.size": 11, "yaxis.title.standoff": 2, "yaxis.tickfont.size": 11}
        )
    if not categories and layout.get("height"):
        margin = layout.get("margin") or {}
        plot = layout["height"] - (margin.get("t") or 100) - (margin.get("b") or 80)
        if yaxis.get("scaleanchor"):  # a map: about half as wide, so about half as tall
            plot = max(220, int(plot * 0.55))
        update["height"] = top + bottom + max(plot, 240)
    x_title = (xaxis.get("title") or {}).get("text") or ""
    if len(x_title) > 40:  # an axis title wider than a phone: on two lines, a little smaller
        update["xaxis.title.text"] = "<br>".join(textwrap.wrap(x_title, 40))
        update["xaxis.title.font.size"] = 12
        update["margin.b"] += 18
        if "height" in update:
            update["height"] += 18
    return update


def tile_traces(spec: dict) -> list[int]:
    """The traces drawn as squares one axis unit apart (the schematic maps): their marker size is in pixels, so the
    page sizes them to the unit's length in pixels at every width (reports.page.fit_script)."""
    return [
        i
        for i, trace in enumerate(spec.get("data") or [])
        if isinstance(trace.get("marker"), dict)
        and trace["marker"].get("symbol") == "square"
        and "text" in str(trace.get("mode", ""))
    ]
