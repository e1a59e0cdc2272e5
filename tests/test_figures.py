"""Back test: the reports' figures, made as plain data (charts.figure.Figure), are the same figures as the plotly
graph-object figures they replaced, number for number and setting for setting (tests/fixtures/figures/, captured
with the graph-object code by capture.py). Speed must never change a number."""

import gzip
import json

import pytest

from tests.conftest import ROOT
from tests.fixtures.figures.capture import figures_of

FROZEN = json.loads(gzip.decompress((ROOT / "tests/fixtures/figures/figures.json.gz").read_bytes()))


@pytest.fixture(scope="module")
def current(project):
    return figures_of(project)


@pytest.mark.parametrize("report", sorted(FROZEN))
def test_figures_are_unchanged(current, report):
    assert len(current[report]) == len(FROZEN[report])
    for index, (now, before) in enumerate(zip(current[report], FROZEN[report])):
        assert now["data"] == before["data"], f"{report}, chart {index + 1}: data changed"
        assert now["layout"] == before["layout"], f"{report}, chart {index + 1}: layout changed"


def test_a_figure_shows_itself_as_a_plotly_chart_and_converts_to_plotly():
    from trendbreuk.charts.figure import Figure

    fig = Figure().add_trace("scatter", x=[1, 2], y=[3, 4], name="a").update_layout(title="t", margin_t=50)
    bundle = fig._repr_mimebundle_()
    assert bundle["application/vnd.plotly.v1+json"]["data"][0]["type"] == "scatter"
    assert bundle["application/vnd.plotly.v1+json"]["layout"]["title"] == {"text": "t"}
    converted = fig.to_plotly()
    assert converted.layout.margin.t == 50 and list(converted.data[0].y) == [3, 4]


def test_the_chart_template_ignores_changes_to_plotlys_registry():
    """Quarto's Jupyter kernel sets every registered plotly template's margins (t=30, r=b=l=0) before a notebook
    runs; the reports' charts must come out the same under Quarto as anywhere else."""
    import copy

    import plotly.io as pio

    from trendbreuk.charts import figure

    pristine = figure.template()
    assert "margin" not in pristine["layout"]  # plotly's simple_white leaves margins to plotly.js
    saved = copy.deepcopy(pio.templates["simple_white"])
    figure.template.cache_clear()
    try:
        pio.templates["simple_white"].layout.margin = dict(t=30, r=0, b=0, l=0)  # what Quarto's setup does
        assert figure.template() == pristine
    finally:
        pio.templates["simple_white"] = saved
        figure.template.cache_clear()


def test_an_embedded_chart_carries_only_the_defaults_of_its_own_trace_types():
    """The page drops the template's defaults for trace types a chart does not have (5 kB a chart), for the
    subplot kinds no report draws (polar, ternary, 3-D scene, geo) and the default colour scales (each colour-scaled
    chart names its own); what it keeps is plotly's simple_white as it is, so the chart looks the same."""
    import json

    from tests.report_html import figures
    from trendbreuk.charts.figure import Figure, template
    from trendbreuk.reports.page import Page

    embedded = figures(Page().chart(Figure().add_trace("scatter", x=[1, 2], y=[3, 4]), alt="een lijn").data)[0]
    full = json.loads(json.dumps(template()))
    assert set(embedded["layout"]["template"]["data"]) == {"scatter"} and len(full["data"]) > 10
    assert embedded["layout"]["template"]["data"]["scatter"] == full["data"]["scatter"]
    dropped = {"polar", "ternary", "scene", "geo", "colorscale", "coloraxis"}
    kept = {k: v for k, v in full["layout"].items() if k not in dropped}
    assert dropped <= set(full["layout"])
    assert embedded["layout"]["template"]["layout"] == kept


def test_every_colour_scaled_trace_names_its_own_scale():
    """Why the template's default colour scales may go: the maps (the only colour-scaled charts) set Cividis."""
    import pandas as pd

    from tests.conftest import ROOT
    from trendbreuk.charts.maps import figure_area_map, figure_map
    from trendbreuk.geography.areas import load_regions

    region = load_regions(ROOT / "config" / "regions.yaml").region("zuid-limburg")
    figures = [
        figure_map(
            pd.DataFrame({"area_code": [g.code for g in region.gemeenten], "value": range(16)}), region, title="t"
        ),
        figure_area_map(
            pd.DataFrame({"area_code": ["BU09170000", "BU09170001"], "area_name": ["a", "b"], "value": [1.0, 2.0]}),
            title="t",
        ),
    ]
    scaled = [t for f in figures for t in f.traces if (t.get("marker") or {}).get("showscale")]
    assert len(scaled) == 2 and all(t["marker"]["colorscale"] for t in scaled)
