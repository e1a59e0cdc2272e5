"""Figures as plain data: a plotly figure specification ({"data": [traces], "layout": {...}}) built with plain
dictionaries instead of plotly's graph objects.

plotly.graph_objects validates every property and deep-copies the layout template on every `update_layout`; for a
report with 40 charts that cost most of the rendering time, while the charts are made by this package from known
properties. A `Figure` holds the same specification plotly.js draws, shows itself as a plotly chart in Jupyter
(`_repr_mimebundle_`), and turns into a validated `plotly.graph_objects.Figure` with `to_plotly()` when that is
wanted. tests/test_figures.py checks that the reports' figures are the same, number for number, as the graph-object
figures they replace.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

TEMPLATE = "simple_white"
# Layout properties whose sub-properties may be set as `prefix_name` (plotly's "magic underscores").
COMPOUND = frozenset(
    {
        "margin",
        "xaxis",
        "yaxis",
        "legend",
        "title",
        "font",
        "hoverlabel",
        "line",
        "marker",
        "textfont",
        "colorbar",
        "annotation",
    }
)
# Where plotly puts the annotation of a horizontal or vertical line, by `annotation_position`.
HLINE_POSITIONS = {
    "bottom left": dict(x=0, xanchor="left", yanchor="top"),
    "top left": dict(x=0, xanchor="left", yanchor="bottom"),
    "top right": dict(x=1, xanchor="right", yanchor="bottom"),
    "bottom right": dict(x=1, xanchor="right", yanchor="top"),
}
VLINE_POSITIONS = {
    "top": dict(y=1, xanchor="center", yanchor="bottom"),
    "top right": dict(y=1, xanchor="left", yanchor="top"),
    "top left": dict(y=1, xanchor="right", yanchor="top"),
}


@cache
def template(name: str = TEMPLATE) -> dict:
    """A plotly template as a plain dictionary, read once per process from plotly's own file as pio.templates
    reads it, but not from that registry, which others change: Quarto's Jupyter kernel sets the margins of every
    template (quarto-cli resources/jupyter/lang/python/setup.py), so the same chart would come out differently."""
    import json
    import pkgutil

    from plotly.graph_objs.layout import Template

    text = pkgutil.get_data("plotly", f"package_data/templates/{name}.json").decode("utf-8")
    return Template(json.loads(text), _validate=False).to_plotly_json()


@cache
def colorscale(name: str) -> list:
    """A named plotly colour scale as the list of [position, colour] pairs plotly would write (its own validator)."""
    from _plotly_utils.basevalidators import ColorscaleValidator

    validator = ColorscaleValidator("colorscale", "scatter.marker")
    return [list(step) for step in validator.present(validator.validate_coerce(name))]


def array(values) -> np.ndarray | list:
    """Column data for a trace: a pandas Series or array as a numpy array (sent as a typed array), lists as given."""
    if isinstance(values, pd.Series):
        return values.to_numpy()
    if isinstance(values, pd.Index):
        return values.to_numpy()
    return values


def _set(target: dict, key: str, value) -> None:
    """Set `key` on `target` the way plotly's update does: `margin_t=` sets margin.t, a dict merges into what is
    there, and a string title becomes {"text": ...}."""
    value = array(value)
    head, _, rest = key.partition("_")
    if rest and head in COMPOUND:
        _set(target.setdefault(head, {}), rest, value)
        return
    if key == "title" and isinstance(value, str):
        value = {"text": value}
    if isinstance(value, dict):
        node = target.setdefault(key, {})
        for k, v in value.items():
            _set(node, k, v)
        return
    target[key] = value


class Figure(dict):
    """A plotly figure specification: {"data": [...], "layout": {...}}; see the module docstring."""

    def __init__(self, data: list | None = None, layout: dict | None = None):
        super().__init__(data=list(data or []), layout={})
        self.update_layout(**(layout or {}))

    @property
    def traces(self) -> list[dict]:
        return self["data"]

    @property
    def title(self) -> str:
        return (self["layout"].get("title") or {}).get("text") or ""

    def add_trace(self, trace_type: str, **properties) -> Figure:
        """A trace of `trace_type` ('scatter', 'bar') with its properties; Series become typed arrays."""
        trace = {}
        for key, value in properties.items():
            _set(trace, key, value)
        trace["type"] = trace_type
        self["data"].append(trace)
        return self

    def update_layout(self, **properties) -> Figure:
        for key, value in properties.items():
            if key == "template":
                continue  # every figure uses TEMPLATE; it is filled in when the figure is written
            _set(self["layout"], key, value)
        return self

    def update_xaxes(self, **properties) -> Figure:
        return self.update_layout(**{f"xaxis_{k}": v for k, v in properties.items()})

    def update_yaxes(self, **properties) -> Figure:
        return self.update_layout(**{f"yaxis_{k}": v for k, v in properties.items()})

    def add_annotation(self, **properties) -> Figure:
        annotation = {}
        for key, value in properties.items():
            _set(annotation, key, value)
        self["layout"].setdefault("annotations", []).append(annotation)
        return self

    def add_hline(
        self,
        y: float,
        *,
        line: dict,
        annotation_text: str | None = None,
        annotation_position: str = "top right",
        annotation_font: dict | None = None,
    ) -> Figure:
        """A horizontal line across the plot at y, with an optional annotation (as plotly's add_hline)."""
        self["layout"].setdefault("shapes", []).append(
            {"line": dict(line), "type": "line", "x0": 0, "x1": 1, "xref": "x domain", "y0": y, "y1": y, "yref": "y"}
        )
        if annotation_text is not None:
            self.add_annotation(
                **({"font": annotation_font} if annotation_font else {}),
                showarrow=False,
                text=annotation_text,
                **HLINE_POSITIONS[annotation_position],
                xref="x domain",
                y=y,
                yref="y",
            )
        return self

    def add_vline(
        self,
        x: float,
        *,
        line: dict,
        annotation_text: str | None = None,
        annotation_position: str = "top right",
        annotation_font: dict | None = None,
    ) -> Figure:
        """A vertical line over the plot at x, with an optional annotation (as plotly's add_vline)."""
        self["layout"].setdefault("shapes", []).append(
            {"line": dict(line), "type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain"}
        )
        if annotation_text is not None:
            position = VLINE_POSITIONS[annotation_position]
            self.add_annotation(
                **({"font": annotation_font} if annotation_font else {}),
                showarrow=False,
                text=annotation_text,
                x=x,
                xanchor=position["xanchor"],
                xref="x",
                y=position["y"],
                yanchor=position["yanchor"],
                yref="y domain",
            )
        return self

    def specification(self) -> dict:
        """The figure as plotly.js takes it: numeric arrays as typed arrays, the template filled in. A new
        structure: the figure itself is not changed."""
        from _plotly_utils.utils import is_homogeneous_array, to_typed_array_spec

        def encoded(value):
            if isinstance(value, dict):
                return {k: encoded(v) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return [encoded(v) for v in value]
            if isinstance(value, np.ndarray) and is_homogeneous_array(value):
                return to_typed_array_spec(value)
            return value

        return {"data": encoded(self["data"]), "layout": {"template": template(), **encoded(self["layout"])}}

    def to_json(self) -> str:
        from plotly.io.json import to_json_plotly

        return to_json_plotly(self.specification())

    def to_plotly(self):
        """A validated plotly.graph_objects.Figure, for whoever wants to go on editing it with plotly."""
        import plotly.graph_objects as go

        return go.Figure(self.specification())

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        import json

        return {
            "application/vnd.plotly.v1+json": json.loads(self.to_json()),
            "text/plain": f"<Figure: {self.title or 'zonder titel'}>",
        }
