"""Maps of a region's gemeenten, coloured by an indicator value or a category (e.g. the comparison with the
benchmark). With real boundaries: a plotly choropleth with subregio outlines. Without (the demo, offline): a
tile map with one square per gemeente at the position kept in config/regions.yaml, labelled as a schematic.
Never invented polygons.
"""

from __future__ import annotations


import pandas as pd

from trendbreuk.charts.figure import Figure, colorscale
from trendbreuk.charts.trend import title_layout
from trendbreuk.geography.areas import Region
from trendbreuk import formatting as fmt

VALUE_SCALE = "Cividis"  # perceptually uniform and colour-blind-safe
CATEGORY_COLOURS = {"slechter": "#E69F00", "gelijk": "#DDDDDD", "beter": "#56B4E9", "onbekend": "#FFFFFF"}
CATEGORY_LABELS = {"slechter": "duidelijk slechter", "gelijk": "niet duidelijk anders", "beter": "duidelijk beter",
                   "onbekend": "niet te beoordelen"}
SUBREGIO_LINES = ["#000000", "#555555", "#999999", "#333333"]


def _hover(region: Region, values: pd.DataFrame, unit: str, decimals: int) -> dict[str, str]:
    by_code = values.set_index("area_code")
    text = {}
    for g in region.gemeenten:
        if g.code in by_code.index:
            row = by_code.loc[g.code]
            shown = fmt.value_with_unit(row.get("value"), unit, decimals) if "value" in row else ""
            category = CATEGORY_LABELS.get(row.get("category"), "") if "category" in row else ""
            text[g.code] = f"<b>{g.name}</b><br>{shown}" + (f"<br>{category}" if category else "")
        else:
            text[g.code] = f"<b>{g.name}</b><br>geen gegevens"
    return text


def figure_map(values: pd.DataFrame, region: Region, *, title: str, unit: str = "%", decimals: int = 1,
               boundaries=None, highlight: str | None = None) -> Figure:
    """values: area_code plus `value` (numbers) or `category` (slechter/gelijk/beter/onbekend).
    boundaries: the (gemeenten, subregios, region) GeoDataFrames of geography.boundaries.region_boundaries."""
    if "value" not in values and "category" not in values:
        raise ValueError("figure_map needs a 'value' or a 'category' column")
    hover = _hover(region, values, unit, decimals)
    if boundaries is None:
        fig = _tile_map(values, region, hover, unit, highlight)
        title = f"{title}<br><sup>Schematische kaart: elk vak is een gemeente, geen echte grenzen</sup>"
    else:
        fig = _boundary_map(values, region, boundaries, hover, unit, highlight)
    fig.update_layout(separators=",.",
                      font=dict(family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", size=13),
                      margin=dict(l=10, r=10, b=10), height=520, template="simple_white", **title_layout(title),
                      legend=dict(orientation="h", y=-0.02, x=0), hoverlabel=dict(bgcolor="white"))
    return fig


def _category_traces(values: pd.DataFrame):
    present = [c for c in CATEGORY_COLOURS if c in set(values["category"])]
    return [(c, values[values["category"] == c]) for c in present]


def _tile_map(values: pd.DataFrame, region: Region, hover: dict[str, str], unit: str, highlight: str | None) -> Figure:
    tiles = pd.DataFrame([{"area_code": g.code, "name": g.name, "subregio": g.subregio_code,
                           "x": g.tile[0], "y": -g.tile[1]} for g in region.gemeenten if g.tile is not None])
    if len(tiles) < len(region.gemeenten):
        raise ValueError(f"region {region.name}: not every gemeente has a tile position in config/regions.yaml")
    data = tiles.merge(values, on="area_code", how="left")
    fig = Figure()
    line_colour = {s.code: SUBREGIO_LINES[i % len(SUBREGIO_LINES)] for i, s in enumerate(region.subregios)}
    outline = [3 if code == highlight else 1 for code in data["area_code"]]
    common = dict(mode="markers+text", text=[n if len(n) < 12 else n[:10] + "…" for n in data["name"]],
                  textfont=dict(size=10), hoverinfo="text")
    if "category" in data:
        data["category"] = data["category"].fillna("onbekend")
        for category, rows in _category_traces(data):
            fig.add_trace(
                "scatter",
                x=rows["x"], y=rows["y"], name=CATEGORY_LABELS[category], hovertext=[hover[c] for c in rows["area_code"]],
                marker=dict(symbol="square", size=62, color=CATEGORY_COLOURS[category],
                            line=dict(color=[line_colour[s] for s in rows["subregio"]], width=[outline[i] for i in rows.index])),
                **{**common, "text": [n if len(n) < 12 else n[:10] + "…" for n in rows["name"]]})
    else:
        low, high = data["value"].min(), data["value"].max()
        span = (high - low) or 1.0
        # Cividis runs from dark blue to yellow: white labels on the darker half, black on the lighter.
        label_colours = ["#FFFFFF" if pd.notna(v) and (v - low) / span < 0.55 else "#000000" for v in data["value"]]
        fig.add_trace(
            "scatter",
            x=data["x"], y=data["y"], name="", showlegend=False, hovertext=[hover[c] for c in data["area_code"]],
            marker=dict(symbol="square", size=62, color=data["value"], colorscale=colorscale(VALUE_SCALE), showscale=True,
                        colorbar=dict(title=unit, ticksuffix="%" if unit == "%" else ""),
                        line=dict(color=[line_colour[s] for s in data["subregio"]], width=outline)),
            **{**common, "textfont": dict(size=10, color=label_colours)})
    for subregio in region.subregios:  # subregio name above the left-most tile of its top row
        rows = tiles[tiles["subregio"] == subregio.code]
        top = rows[rows["y"] == rows["y"].max()].sort_values("x").iloc[0]
        fig.add_annotation(x=top["x"] - 0.45, y=top["y"] + 0.5, text=f"<i>{subregio.name}</i>", xanchor="left",
                           yanchor="bottom", showarrow=False, font=dict(size=11, color="#333"))
    fig.update_xaxes(visible=False, range=[tiles["x"].min() - 0.8, tiles["x"].max() + 0.8])
    fig.update_yaxes(visible=False, range=[tiles["y"].min() - 0.8, tiles["y"].max() + 1.0], scaleanchor="x")
    return fig


def _rings(geometry):
    """Exterior rings of a (multi)polygon as (xs, ys) lists, in the frame's coordinates (RD metres)."""
    polygons = list(geometry.geoms) if hasattr(geometry, "geoms") else [geometry]
    for polygon in polygons:
        xs, ys = polygon.exterior.coords.xy
        yield list(xs), list(ys)


def _boundary_map(values: pd.DataFrame, region: Region, boundaries, hover: dict[str, str], unit: str,
                  highlight: str | None) -> Figure:
    """Filled polygons on plain axes in the RD projection (EPSG:28992). Deliberately not a plotly 'geo'
    map: that fetches its base map from the internet when viewed, which a mailed report cannot do."""
    from plotly.colors import sample_colorscale

    gemeenten, subregios, _ = boundaries
    data = gemeenten[["code", "geometry"]].rename(columns={"code": "area_code"}).merge(values, on="area_code", how="left")
    fig = Figure()
    if "category" in data:
        data["category"] = data["category"].fillna("onbekend")
        colours = data["category"].map(CATEGORY_COLOURS)
        legend_of = data["category"].map(CATEGORY_LABELS)
    else:
        low, high = data["value"].min(), data["value"].max()
        span = (high - low) or 1.0
        colours = [sample_colorscale(VALUE_SCALE, [(v - low) / span])[0] if pd.notna(v) else "#FFFFFF" for v in data["value"]]
        legend_of = pd.Series([None] * len(data))
        fig.add_trace("scatter", x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip",
                      marker=dict(colorscale=colorscale(VALUE_SCALE), cmin=low, cmax=high, color=[low, high], showscale=True,
                                  colorbar=dict(title=unit, ticksuffix="%" if unit == "%" else "")))
    shown_in_legend: set[str] = set()
    for row, colour, legend in zip(data.itertuples(), colours, legend_of):
        for xs, ys in _rings(row.geometry):
            first = legend is not None and legend not in shown_in_legend
            if first:
                shown_in_legend.add(legend)
            fig.add_trace(
                "scatter",
                x=xs, y=ys, mode="lines", fill="toself", fillcolor=colour, line=dict(color="#666666", width=0.7),
                hoveron="fills", hoverinfo="text", text=hover[row.area_code], name=legend or "",
                legendgroup=legend or "", showlegend=first)
    for i, row in enumerate(subregios.itertuples()):
        for j, (xs, ys) in enumerate(_rings(row.geometry)):
            fig.add_trace("scatter", x=xs, y=ys, mode="lines", hoverinfo="skip", line=dict(color="#000000", width=2.4),
                          name="grens subregio", showlegend=(i == 0 and j == 0))
    if highlight and highlight in set(data["area_code"]):
        for xs, ys in _rings(data.loc[data["area_code"] == highlight, "geometry"].iloc[0]):
            fig.add_trace("scatter", x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False,
                          line=dict(color="#CC79A7", width=4))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    return fig
