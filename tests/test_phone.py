"""The phone layout of a chart (charts/phone.py), on hand-made chart specifications."""

from trendbreuk.charts.figure import Figure
from trendbreuk.charts.phone import phone_layout, tile_traces
from trendbreuk.charts.trend import wrap_title


def test_a_bar_chart_with_names_gets_them_above_its_rows():
    fig = Figure().add_trace("bar", y=["Vroeggeboorte", "Rokers"], x=[0.2, 0.4], orientation="h", name="ingelopen")
    fig.update_layout(
        title={"text": "Zuid-Limburg: bij 1 van de 2 indicatoren is het doel bereikt"},
        height=400,
        margin={"l": 260, "t": 60, "b": 90},
    )
    update = phone_layout(fig.specification())
    assert update["yaxis.showticklabels"] is False and update["margin.l"] == 8
    labels = [a for a in update["annotations"] if a["yref"] == "y"]
    assert [a["text"] for a in labels] == ["Vroeggeboorte", "Rokers"] and all(a["x"] == 0 for a in labels)
    # one legend entry: 56 + 19 px under the chart
    assert update["margin.b"] == 75 and update["height"] == 52 * 2 + update["margin.t"] + 75 + 10
    # the title wrapped at 34 characters a line: "Zuid-Limburg: bij 1 van de 2" (28) + "indicatoren is ..." (31)
    assert update["title.text"] == "Zuid-Limburg: bij 1 van de 2<br>indicatoren is het doel bereikt"


def test_a_trend_chart_keeps_its_first_and_last_period_and_has_no_category_labels():
    periods = [f"{y}-{y + 2}" for y in range(2010, 2023)]  # 13 periods
    t = [y + 1.0 for y in range(2010, 2023)]
    fig = Figure().add_trace("scatter", x=t, y=[float(i) for i in range(13)], name="Heerlen")
    fig.update_xaxes(tickvals=t, ticktext=periods)
    fig.update_layout(title={"text": "Vroeggeboorte"}, height=420)
    update = phone_layout(fig.specification())  # numbers travel as typed arrays: no categories
    assert "annotations" not in update and "yaxis.showticklabels" not in update
    assert update["xaxis.ticktext"][0] == "2010-<br>2012" and update["xaxis.ticktext"][-1] == "2022-<br>2024"
    assert len(update["xaxis.ticktext"]) <= 5
    shown = [p.replace("<br>", "") for p in update["xaxis.ticktext"]]
    assert update["xaxis.tickvals"] == [t[periods.index(p)] for p in shown]


def test_squares_of_a_schematic_map_are_found_and_a_long_title_is_unwrapped_first():
    fig = Figure().add_trace(
        "scatter",
        x=[0.0, 1.0],
        y=[0.0, 0.0],
        mode="markers+text",
        text=["A", "B"],
        marker={"symbol": "square", "size": 62},
    )
    fig.add_trace("scatter", x=[0.0], y=[0.0], mode="lines")
    assert tile_traces(fig.specification()) == [0]
    desktop, _ = wrap_title(
        "Heerlen scoort op de enige doelindicator duidelijk slechter dan de rest van Nederland"
        "<br><sup>kleur: aantal doelindicatoren</sup>",
        40,
    )
    fig.update_layout(title={"text": desktop})
    text = phone_layout(fig.specification())["title.text"]
    assert text.startswith("Heerlen scoort op de enige<br>doelindicator duidelijk slechter<br>")
    assert text.endswith("<sup>kleur: aantal doelindicatoren</sup>")
