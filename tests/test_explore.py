"""Exploring in Jupyter (issue 30): `trendbreuk.open()` and its questions, checked against the processed tables read
directly with pandas (not through the workbook's code), and every Python example in the README and docs/ run."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def wb(project):
    import trendbreuk

    return trendbreuk.open(root=project)


@pytest.fixture(scope="module")
def tables(project):
    folder = project / "data/processed/demo"
    return {name: pd.read_parquet(folder / f"{name}.parquet") for name in ("indicator_values", "gaps", "assessments")}


def test_series_is_the_table_filtered_to_the_region_and_the_areas(wb, tables):
    got = wb.series("bijstand", ["Heerlen", "Kerkrade"])
    values = tables["indicator_values"]
    expected = values[
        (values["region"] == "zuid-limburg")
        & (values["indicator"] == "bijstand")
        & values["area_code"].isin(["GM0917", "GM0928", "rest_nl"])
    ]
    assert len(got) == len(expected) > 0
    assert set(got["area_code"]) == {"GM0917", "GM0928", "rest_nl"}
    heerlen_2024 = expected[(expected["area_code"] == "GM0917") & (expected["period"] == "2024")]["value"].item()
    assert got[(got["area_code"] == "GM0917") & (got["period"] == "2024")]["value"].item() == heerlen_2024
    assert "Personen met bijstand" in repr(got) and "95%-marge" in got.description
    # the default: every gemeente of the region (16), never Noord- en Midden-Limburg's
    assert set(wb.series("bijstand", benchmark=False)["area_code"]) == {g.code for g in wb.region.gemeenten}


def test_the_gap_and_the_share_closed_are_the_gaps_table(wb, tables):
    got = wb.gap("bijstand", "Heerlen")
    gaps = tables["gaps"]
    expected = gaps[
        (gaps["region"] == "zuid-limburg")
        & (gaps["indicator"] == "bijstand")
        & (gaps["area_code"] == "GM0917")
        & (gaps["benchmark"] == "rest_nl")
    ].sort_values("year_start")
    assert got["gap"].tolist() == expected["gap"].tolist()
    assert got["share_closed"].tolist()[-1] == expected["share_closed"].tolist()[-1]


def test_furthest_behind_counts_each_target_indicator_once(wb, tables):
    got = wb.furthest_behind().set_index("area_code")
    a = tables["assessments"]
    basket = a[
        (a["region"] == "zuid-limburg")
        & a["target_basket"]
        & (a["benchmark"] == "rest_nl")
        & (a["area_level"] == "gemeente")
    ]
    heerlen = basket[basket["area_code"] == "GM0917"]
    assert heerlen["indicator"].nunique() == len(heerlen) == 19  # no variant counted twice
    assert got.loc["GM0917", "duidelijk_slechter"] == (heerlen["comparison"] == "slechter").sum()
    assert list(got["duidelijk_slechter"]) == sorted(got["duidelijk_slechter"], reverse=True)


def test_ranking_puts_the_least_favourable_first(wb, tables):
    got = wb.ranking("bijstand")  # lower is better: the highest share first
    assert got["rank"].tolist() == list(range(1, 17))
    assert got["value"].tolist() == sorted(got["value"], reverse=True)


def test_polars_and_dutch_labels_on_request(wb):
    import polars as pl

    frame = wb.series("bijstand", "Heerlen", polars=True, dutch=True)
    assert isinstance(frame, pl.DataFrame) and {"gebied", "periode", "waarde", "marge_van"} <= set(frame.columns)


def test_names_that_are_almost_right_are_suggested(wb):
    from trendbreuk.explore.results import NotFound

    with pytest.raises(NotFound, match="bedoelt u: bijstand"):
        wb.series("bijstnad")
    with pytest.raises(NotFound, match="bedoelt u: Heerlen"):
        wb.series("bijstand", "Heerlem")
    with pytest.raises(NotFound, match="trendbreuk edition save"):
        wb.changes  # no edition yet: which command makes it


def test_two_gemeenten_get_distinct_colours_markers_and_a_legend(wb):
    fig = wb.chart("bijstand", ["Heerlen", "Kerkrade"])
    lines = [t for t in fig.traces if t["name"] in ("Heerlen", "Kerkrade")]
    assert len(lines) == 2
    assert lines[0]["line"]["color"] != lines[1]["line"]["color"]
    assert lines[0]["marker"]["symbol"] != lines[1]["marker"]["symbol"]
    assert fig.title == "Personen met bijstand" and fig["layout"]["separators"] == ",."  # the house style
    assert fig.to_plotly().layout.title.text == "Personen met bijstand"


def _examples(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.S)


DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


@pytest.mark.parametrize("document", DOCUMENTS, ids=[d.name for d in DOCUMENTS])
def test_every_python_example_in_the_documentation_runs(document, project, monkeypatch):
    """A broken example fails CI: each ```python block runs in order, on the demo build of a scratch project."""
    monkeypatch.setenv("TRENDBREUK_ROOT", str(project))
    namespace: dict = {}
    for number, code in enumerate(_examples(document.read_text(encoding="utf-8")), start=1):
        try:
            exec(compile(code, f"{document.name} voorbeeld {number}", "exec"), namespace)
        except Exception as err:  # noqa: BLE001 - name the example that broke
            pytest.fail(f"{document.name}, Python-voorbeeld {number} faalt: {type(err).__name__}: {err}")


def test_the_documented_names_are_the_public_api():
    import trendbreuk
    from trendbreuk import explore

    assert callable(trendbreuk.open)
    for name in (
        "indicator_values",
        "gaps",
        "assessments",
        "basket_summary",
        "age_strata",
        "age_shares",
        "age_groups",
        "small_area_values",
        "small_area_gaps",
        "small_area_assessments",
        "registrations_shared",
        "changes",
        "areas",
        "indicators",
        "all",
        "series",
        "gap",
        "ranking",
        "furthest_behind",
        "compare",
        "verdicts",
        "wijk",
        "age",
        "chart",
    ):
        assert hasattr(explore.Workbook, name) or name in ("indicators", "all"), name


def test_the_reference_page_is_made_from_the_code():
    """docs/verkennen.md is what scripts/api_reference.py writes from the docstrings (run it after changing them)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("api_reference", ROOT / "scripts" / "api_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "docs" / "verkennen.md").read_text(encoding="utf-8") == module.reference(), (
        "docs/verkennen.md is out of date: .venv/bin/python scripts/api_reference.py"
    )


def test_the_explorer_redraws_for_the_chosen_indicator_and_areas(wb):
    box = wb.explorer("bijstand", ["Heerlen"])
    shown = lambda: [o for o in box.output.outputs if "application/vnd.plotly.v1+json" in o.get("data", {})]
    first = shown()
    assert len(first) == 1
    names = [t["name"] for t in first[0]["data"]["application/vnd.plotly.v1+json"]["data"]]
    assert "Heerlen" in names and "Kerkrade" not in names
    box.areas.value = ("Heerlen", "Kerkrade")  # what a click does: the widget calls update
    names = [t["name"] for t in shown()[0]["data"]["application/vnd.plotly.v1+json"]["data"]]
    assert "Kerkrade" in names
    box.indicator.value = "ww_uitkering"
    title = shown()[0]["data"]["application/vnd.plotly.v1+json"]["layout"]["title"]["text"]
    assert title == wb.indicators["ww_uitkering"].title


def test_trend_break_for_any_indicator_area_and_start_year(wb, tables):
    # The demo's truth gives the region's bijstand gap a break in 2018 (config/demo.yaml, break_trend); the surveys
    # have two rounds before 2018.
    found = wb.trend_break("bijstand")
    assert found.category == "zichtbaar"
    assert list(found.estimates["term"]) == ["level", "slope", "level_change", "slope_change"]
    # the slopes are those of the gaps read straight from the table: a line through the points before 2018 alone
    gaps = tables["gaps"]
    before = gaps[
        (gaps["region"] == "zuid-limburg")
        & (gaps["indicator"] == "bijstand")
        & (gaps["area_code"] == "ZL")
        & (gaps["benchmark"] == "rest_nl")
        & (gaps["year_start"] < 2018)
    ]
    import numpy as np

    se = (before["gap_upper"] - before["gap_lower"]) / (2 * 1.959964)
    slope = np.polyfit(before["t"], before["gap"], 1, w=1 / se)[0]
    assert found.result["slope"] == pytest.approx(slope, rel=1e-6)
    assert "Sinds 2018" in found.sentence and found.chart().title
    assert wb.trend_break("roken", "Heerlen").category == "te_weinig"
    assert "Sinds 2020" in wb.trend_break("bijstand", "Heerlen", start=2020).sentence
    table = wb.trend_breaks("Heerlen")
    assert set(table["area_code"]) == {"GM0917"} and {"zichtbaar", "te_weinig"} <= set(table["category"])


def test_trend_break_of_an_areas_own_value(wb, tables):
    # bijstand is a counted proportion: quasi-Poisson with offset log(denominator), slopes on the log scale. The slope
    # before 2018 must be that of a Poisson fit to the years before 2018 alone (a separate model; the segments
    # decouple), here fitted with statsmodels' GLM directly on the table's counts.
    import numpy as np
    import statsmodels.api as sm

    found = wb.trend_break("bijstand", of="waarde")
    values = tables["indicator_values"]
    rows = values[
        (values["region"] == "zuid-limburg")
        & (values["indicator"] == "bijstand")
        & (values["area_code"] == "ZL")
        & (values["year_start"] < 2018)
    ]
    x = sm.add_constant(rows["year_start"].to_numpy(dtype=float) - 2018)
    glm = sm.GLM(
        rows["numerator"].to_numpy(), x, family=sm.families.Poisson(), offset=np.log(rows["denominator"].to_numpy())
    ).fit()
    assert found.result["slope"] == pytest.approx(glm.params[1], rel=1e-6)
    assert found.result["fit"].family == "counts"
    assert "in de waarde van Zuid-Limburg zelf" in found.sentence and "% per jaar" in found.sentence
    assert found.chart().title.startswith("Personen met bijstand: waarde van Zuid-Limburg")
    with pytest.raises(ValueError, match="of must be"):
        wb.trend_break("bijstand", of="rate")
