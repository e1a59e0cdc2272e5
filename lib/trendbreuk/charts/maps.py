"""Maps of a region's gemeenten, coloured by an indicator value or a category (e.g. the comparison with the
benchmark), and of a wijk's buurten, coloured by a value. With real boundaries: filled polygons (gemeenten with
subregio outlines; buurten with the outline of the area the profile is about). Without (the demo, offline): a
tile map with one square per gemeente at the position kept in config/regions.yaml, or per buurt in the order of
its code, labelled as a schematic. Never invented polygons.
"""

from __future__ import annotations

import pandas as pd

from trendbreuk import formatting as fmt
from trendbreuk.charts.figure import Figure, colorscale
from trendbreuk.charts.trend import title_layout
from trendbreuk.geography.areas import Region

VALUE_SCALE = "Cividis"  # perceptually uniform and colour-blind-safe
CATEGORY_COLOURS = {"slechter": "#E69F00", "gelijk": "#DDDDDD", "beter": "#56B4E9", "onbekend": "#FFFFFF"}
CATEGORY_LABELS = {
    "slechter": "duidelijk slechter",
    "gelijk": "niet duidelijk anders",
    "beter": "duidelijk beter",
    "onbekend": "niet te beoordelen",
}
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


def figure_map(
    values: pd.DataFrame,
    region: Region,
    *,
    title: str,
    unit: str = "%",
    decimals: int = 1,
    boundaries=None,
    highlight: str | None = None,
) -> Figure:
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
    fig.update_layout(
        separators=",.",
        font=dict(family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", size=13),
        margin=dict(l=10, r=10, b=10),
        height=520,
        template="simple_white",
        **title_layout(title),
        legend=dict(orientation="h", y=-0.02, x=0),
        hoverlabel=dict(bgcolor="white"),
    )
    return fig


def _category_traces(values: pd.DataFrame):
    present = [c for c in CATEGORY_COLOURS if c in set(values["category"])]
    return [(c, values[values["category"] == c]) for c in present]


def _tile_map(values: pd.DataFrame, region: Region, hover: dict[str, str], unit: str, highlight: str | None) -> Figure:
    tiles = pd.DataFrame(
        [
            {"area_code": g.code, "name": g.name, "subregio": g.subregio_code, "x": g.tile[0], "y": -g.tile[1]}
            for g in region.gemeenten
            if g.tile is not None
        ]
    )
    if len(tiles) < len(region.gemeenten):
        raise ValueError(f"region {region.name}: not every gemeente has a tile position in config/regions.yaml")
    data = tiles.merge(values, on="area_code", how="left")
    fig = Figure()
    line_colour = {s.code: SUBREGIO_LINES[i % len(SUBREGIO_LINES)] for i, s in enumerate(region.subregios)}
    outline = [3 if code == highlight else 1 for code in data["area_code"]]
    # labels of at most two lines of 10 characters (the full name is in the hover text and the table)
    common = dict(
        mode="markers+text", text=tile_labels(list(data["name"]), 10), textfont=dict(size=10), hoverinfo="text"
    )
    if "category" in data:
        data["category"] = data["category"].fillna("onbekend")
        for category, rows in _category_traces(data):
            fig.add_trace(
                "scatter",
                x=rows["x"],
                y=rows["y"],
                name=CATEGORY_LABELS[category],
                hovertext=[hover[c] for c in rows["area_code"]],
                marker=dict(
                    symbol="square",
                    size=62,
                    color=CATEGORY_COLOURS[category],
                    line=dict(color=[line_colour[s] for s in rows["subregio"]], width=[outline[i] for i in rows.index]),
                ),
                **{**common, "text": tile_labels(list(rows["name"]), 10)},
            )
    else:
        label_colours = _label_colours(data["value"])
        fig.add_trace(
            "scatter",
            x=data["x"],
            y=data["y"],
            name="",
            showlegend=False,
            hovertext=[hover[c] for c in data["area_code"]],
            marker=dict(
                symbol="square",
                size=62,
                color=data["value"],
                colorscale=colorscale(VALUE_SCALE),
                showscale=True,
                colorbar=dict(title=unit, ticksuffix="%" if unit == "%" else ""),
                line=dict(color=[line_colour[s] for s in data["subregio"]], width=outline),
            ),
            **{**common, "textfont": dict(size=10, color=label_colours)},
        )
    for subregio in region.subregios:  # subregio name above the left-most tile of its top row
        rows = tiles[tiles["subregio"] == subregio.code]
        top = rows[rows["y"] == rows["y"].max()].sort_values("x").iloc[0]
        fig.add_annotation(
            x=top["x"] - 0.45,
            y=top["y"] + 0.5,
            text=f"<i>{subregio.name}</i>",
            xanchor="left",
            yanchor="bottom",
            showarrow=False,
            font=dict(size=11, color="#333"),
        )
    fig.update_xaxes(visible=False, range=[tiles["x"].min() - 0.8, tiles["x"].max() + 0.8])
    fig.update_yaxes(visible=False, range=[tiles["y"].min() - 0.8, tiles["y"].max() + 1.0], scaleanchor="x")
    return fig


def _rings(geometry):
    """Exterior rings of a (multi)polygon as (xs, ys) lists, in the frame's coordinates (RD metres)."""
    polygons = list(geometry.geoms) if hasattr(geometry, "geoms") else [geometry]
    for polygon in polygons:
        xs, ys = polygon.exterior.coords.xy
        yield list(xs), list(ys)


def _boundary_map(
    values: pd.DataFrame, region: Region, boundaries, hover: dict[str, str], unit: str, highlight: str | None
) -> Figure:
    """Filled polygons on plain axes in the RD projection (EPSG:28992). Deliberately not a plotly 'geo'
    map: that fetches its base map from the internet when viewed, which a mailed report cannot do."""
    gemeenten, subregios, _ = boundaries
    data = (
        gemeenten[["code", "geometry"]].rename(columns={"code": "area_code"}).merge(values, on="area_code", how="left")
    )
    fig = Figure()
    if "category" in data:
        data["category"] = data["category"].fillna("onbekend")
        colours = data["category"].map(CATEGORY_COLOURS)
        legend_of = data["category"].map(CATEGORY_LABELS)
    else:
        colours = _value_colours(fig, data["value"], unit)
        legend_of = pd.Series([None] * len(data))
    _fill(fig, data["geometry"], colours, legend_of, [hover[c] for c in data["area_code"]])
    for i, row in enumerate(subregios.itertuples()):
        for j, (xs, ys) in enumerate(_rings(row.geometry)):
            fig.add_trace(
                "scatter",
                x=xs,
                y=ys,
                mode="lines",
                hoverinfo="skip",
                line=dict(color="#000000", width=2.4),
                name="grens subregio",
                showlegend=(i == 0 and j == 0),
            )
    if highlight and highlight in set(data["area_code"]):
        for xs, ys in _rings(data.loc[data["area_code"] == highlight, "geometry"].iloc[0]):
            fig.add_trace(
                "scatter",
                x=xs,
                y=ys,
                mode="lines",
                hoverinfo="skip",
                showlegend=False,
                line=dict(color="#CC79A7", width=4),
            )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    return fig


def _value_colours(fig: Figure, values: pd.Series, unit: str) -> list[str]:
    """The Cividis colour of each value (white where missing), and a colour bar for them on `fig`."""
    from plotly.colors import sample_colorscale

    if values.isna().all():
        return ["#FFFFFF"] * len(values)
    low, high = values.min(), values.max()
    span = (high - low) or 1.0
    fig.add_trace(
        "scatter",
        x=[None],
        y=[None],
        mode="markers",
        showlegend=False,
        hoverinfo="skip",
        marker=dict(
            colorscale=colorscale(VALUE_SCALE),
            cmin=low,
            cmax=high,
            color=[low, high],
            showscale=True,
            colorbar=dict(title=unit, ticksuffix="%" if unit == "%" else ""),
        ),
    )
    return [sample_colorscale(VALUE_SCALE, [(v - low) / span])[0] if pd.notna(v) else "#FFFFFF" for v in values]


def _label_colours(values: pd.Series) -> list[str]:
    """Text on a Cividis square: Cividis runs from dark blue to yellow, so white on the darker half, black on the
    lighter (and on the white of a missing value)."""
    low, high = values.min(), values.max()
    span = (high - low) or 1.0
    return ["#FFFFFF" if pd.notna(v) and (v - low) / span < 0.55 else "#000000" for v in values]


def _fill(fig: Figure, geometries, colours, legend_of, hover: list[str]) -> None:
    """One filled, hoverable polygon per ring; each legend entry once."""
    shown_in_legend: set[str] = set()
    for geometry, colour, legend, text in zip(geometries, colours, legend_of, hover):
        for xs, ys in _rings(geometry):
            first = legend is not None and legend not in shown_in_legend
            if first:
                shown_in_legend.add(legend)
            fig.add_trace(
                "scatter",
                x=xs,
                y=ys,
                mode="lines",
                fill="toself",
                fillcolor=colour,
                line=dict(color="#666666", width=0.7),
                hoveron="fills",
                hoverinfo="text",
                text=text,
                name=legend or "",
                legendgroup=legend or "",
                showlegend=first,
            )


NO_FIGURE = "geen cijfer"
SIMPLIFY_METRES = 3.0  # less than a pixel on a wijk-sized map; keeps a profile small


def figure_area_map(
    values: pd.DataFrame,
    shapes=None,
    *,
    title: str,
    unit: str = "%",
    decimals: int = 1,
    highlight: tuple[str, ...] = (),
    word: str = "buurt",
) -> Figure:
    """Buurten (or other small areas) coloured by a value.

    values: one row per area to draw, with area_code, area_name, value (NaN where CBS gives none), and optionally
    lower_ci, upper_ci and missing_reason for the hover text. shapes: a GeoDataFrame with code and geometry in RD
    (geography.boundaries.load_buurt_boundaries); areas it lacks are not drawn. Without shapes: one square per
    area in the order of its code, labelled as a schematic. `highlight`: the areas the map is about, outlined
    when they are not all of the map."""
    hover = {r.area_code: _area_hover(r, unit, decimals) for r in values.itertuples()}
    fig = Figure()
    height = 480
    if shapes is None:
        rows = _area_tiles(fig, values, hover, unit, highlight)
        height = min(height, 200 + 100 * rows)
        title = (
            f"{title}<br><sup>Schematisch: elk vak is een {word}, in volgorde van de {word}code; "
            "geen echte ligging</sup>"
        )
    else:
        data = shapes[["code", "geometry"]].rename(columns={"code": "area_code"}).merge(values, on="area_code")
        geometries = data["geometry"].simplify(SIMPLIFY_METRES, preserve_topology=True)
        colours = _value_colours(fig, data["value"], unit)
        legend_of = [NO_FIGURE if pd.isna(v) else None for v in data["value"]]
        _fill(fig, geometries, colours, legend_of, [hover[c] for c in data["area_code"]])
        chosen = data[data["area_code"].isin(highlight)]
        if 0 < len(chosen) < len(data):
            from shapely import union_all

            outline = union_all(list(chosen["geometry"])).simplify(SIMPLIFY_METRES)
            for j, (xs, ys) in enumerate(_rings(outline)):
                fig.add_trace(
                    "scatter",
                    x=xs,
                    y=ys,
                    mode="lines",
                    hoverinfo="skip",
                    name="dit gebied",
                    showlegend=j == 0,
                    line=dict(color="#CC79A7", width=4),
                )
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    fig.update_layout(
        separators=",.",
        font=dict(family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", size=13),
        margin=dict(l=10, r=10, b=10),
        height=height,
        template="simple_white",
        **title_layout(title),
        legend=dict(orientation="h", y=-0.02, x=0),
        hoverlabel=dict(bgcolor="white"),
    )
    return fig


def _area_hover(row, unit: str, decimals: int) -> str:
    name = f"<b>{row.area_name}</b>"
    if pd.isna(row.value):
        reason = getattr(row, "missing_reason", "") or ""
        return f"{name}<br>{NO_FIGURE}" + (f": {reason}" if isinstance(reason, str) and reason else "")
    text = f"{name}<br>{fmt.value_with_unit(row.value, unit, decimals)}"
    low, high = getattr(row, "lower_ci", None), getattr(row, "upper_ci", None)
    if low is not None and high is not None and pd.notna(low) and pd.notna(high):
        text += f"<br>marge {fmt.number(low, decimals)} – {fmt.number(high, decimals)}"
    return text


def tile_labels(names: list[str], width: int = 11) -> list[str]:
    """Short labels for squares: a first word all names share, up to a space or hyphen, left out ("Heerlen-Rade C"
    -> "Rade C" when every name starts with "Heerlen-"), then at most two lines of `width` characters, broken between
    words, with … where a name is cut. The full name is in the hover text and the table."""
    import os
    import textwrap

    common = os.path.commonprefix(names) if len(names) > 1 else ""
    ends = [i for i in (common.find("-"), common.find(" ")) if i >= 0]
    cut = min(ends) + 1 if ends else 0  # up to the first separator: "Heerlen-Hoek A" -> "Hoek A", not "A"
    labels = []
    for name in names:
        lines = textwrap.wrap(name[cut:] or name, width, break_long_words=False)
        lines = [line if len(line) <= width + 1 else line[:width] + "…" for line in lines]
        if len(lines) > 2:
            lines = [lines[0], lines[1].rstrip("…") + "…"]
        labels.append("<br>".join(lines))
    return labels


def _area_tiles(fig: Figure, values: pd.DataFrame, hover: dict[str, str], unit: str, highlight: tuple[str, ...]) -> int:
    """One square per area in code order, five to a row; returns the number of rows."""
    data = values.sort_values("area_code").reset_index(drop=True)
    columns = min(5, max(1, len(data)))
    data["x"], data["y"] = data.index % columns, -(data.index // columns)
    colours = _value_colours(fig, data["value"], unit)
    labels = _label_colours(data["value"])
    outlined = len(set(highlight) & set(data["area_code"])) < len(data)
    fig.add_trace(
        "scatter",
        x=data["x"],
        y=data["y"],
        mode="markers+text",
        name="",
        showlegend=False,
        hoverinfo="text",
        hovertext=[hover[c] for c in data["area_code"]],
        text=tile_labels(list(data["area_name"])),
        textfont=dict(size=10, color=labels),
        marker=dict(
            symbol="square",
            size=66,
            color=colours,
            line=dict(
                color=["#CC79A7" if outlined and c in highlight else "#666666" for c in data["area_code"]],
                width=[4 if outlined and c in highlight else 1 for c in data["area_code"]],
            ),
        ),
    )
    fig.update_xaxes(visible=False, range=[-0.8, columns - 0.2])
    fig.update_yaxes(visible=False, range=[data["y"].min() - 0.8, 0.8], scaleanchor="x")
    return int(-data["y"].min()) + 1
