"""The words a factsheet uses for an assessment row, on hand-made rows: never a misleading percentage."""

import math

import pandas as pd
import pytest

from trendbreuk.indicators.catalogue import Indicator
from trendbreuk.reports.factsheet import comparison_badge
from trendbreuk.reports.sentences import assessment_sentence, gap_title, trend_title

IND = Indicator(
    id="x",
    title="Vroeggeboorte",
    short_title="vroeggeboorte",
    unit="%",
    polarity="lower_is_better",
    life_phase="Kansrijke Start",
    statistic="proportion",
    ci_method="wilson",
    source={},
)


def _row(**changes):
    row = dict(
        baseline_period="2016-2018",
        latest_period="2022-2024",
        baseline_gap=2.0,
        baseline_gap_lower=1.5,
        baseline_gap_upper=2.5,
        latest_gap=1.0,
        latest_gap_lower=0.5,
        latest_gap_upper=1.5,
        share_closed=0.5,
        target_share_closed_now=0.25 * 6 / 13,
        change_due_to_area=-0.8,
        change_due_to_benchmark=-0.2,
        verdict_label="op koers",
        verdict_reason="kans op het doel 91%",
        year_known=2032,
        trend_meaning="verbetert",
        trend_points=5,
    )
    row.update(changes)
    return pd.Series(row)


def test_a_clear_gap_that_closed_by_half():
    text = assessment_sentence(_row(), IND, "Vaals", "de rest van Nederland", 2030)
    assert "was de achterstand van Vaals op de rest van Nederland 2,0 procentpunt." in text
    assert "Er is 50% van de achterstand ingelopen; volgens het doelpad had nu 12% ingelopen moeten zijn." in text
    # Area improved 0.8; benchmark part -0.2 means the benchmark improved by 0.2 as well.
    assert "Vaals zelf verbeterde 0,8 procentpunt, de rest van Nederland verslechterde 0,2 procentpunt." in text
    assert "Oordeel voor 2030: op koers (kans op het doel 91%)." in text
    assert "naar verwachting in 2032 bekend" in text


def test_a_tiny_unclear_baseline_gap_never_gives_a_huge_percentage():
    # 0.1 -> 0.05 would be "50% closed"; 0.1 -> -1.2 would be "1300% closed". Neither may appear.
    text = assessment_sentence(
        _row(baseline_gap=0.1, baseline_gap_lower=-0.8, latest_gap=-1.2, share_closed=13.0),
        IND,
        "Heerlen",
        "de rest van Nederland",
        2030,
    )
    assert "niet duidelijk verschillend van nul" in text
    assert "helemaal ingelopen" in text and "%" not in text.split("Oordeel")[0].replace("onzekerheidsmarge", "")
    text = assessment_sentence(
        _row(baseline_gap=0.1, baseline_gap_lower=-0.8, latest_gap=0.05, share_closed=0.5),
        IND,
        "Heerlen",
        "de rest van Nederland",
        2030,
    )
    assert "0,1 procentpunt kleiner geworden" in text and "50%" not in text


def test_a_growing_gap_is_described_in_points_not_percent():
    text = assessment_sentence(
        _row(baseline_gap=0.2, baseline_gap_lower=0.05, latest_gap=1.0, share_closed=-4.0),
        IND,
        "Vaals",
        "de rest van Nederland",
        2030,
    )
    assert "De achterstand is 0,8 procentpunt groter geworden." in text and "400%" not in text


def test_no_baseline_and_no_disadvantage():
    text = assessment_sentence(
        _row(
            baseline_gap=math.nan,
            verdict="onvoldoende_gegevens",
            verdict_reason="geen startwaarde: de reeks begint pas in 2020, na het startjaar 2018",
        ),
        IND,
        "Vaals",
        "x",
        2030,
    )
    assert text.startswith(
        "Er is geen cijfer over het startjaar: de reeks begint pas in 2020, na het startjaar 2018. "
        "Hoeveel van de achterstand sinds de start is ingelopen, is daarom niet te zeggen, en een "
        "oordeel over 2030 is niet mogelijk."
    )
    text = assessment_sentence(_row(baseline_gap=-0.5), IND, "Vaals", "de rest van Nederland", 2030)
    assert "had Vaals geen achterstand op de rest van Nederland (-0,5 procentpunt)" in text


@pytest.mark.parametrize(
    "status, text",
    [("slechter", "▲ duidelijk slechter"), ("beter", "▼ duidelijk beter"), ("gelijk", "● niet duidelijk anders")],
)
def test_comparison_badges_carry_symbol_and_words(status, text):
    badge = comparison_badge(status)
    assert text.split(" ", 1)[1] in badge and text[0] in badge and f"tb-{status}" in badge


def test_recent_trend_in_words():
    text = assessment_sentence(_row(), IND, "Vaals", "de rest van Nederland", 2030)
    assert "De laatste jaren verbetert de waarde duidelijk (trend over 5 meetpunten)." in text
    text = assessment_sentence(_row(trend_meaning="geen"), IND, "Vaals", "de rest van Nederland", 2030)
    assert "geen duidelijke trend" in text
    text = assessment_sentence(_row(trend_meaning="niet_te_beoordelen"), IND, "Vaals", "de rest van Nederland", 2030)
    assert "trend" not in text


def test_chart_titles_state_the_message():
    row = _row(
        comparison="slechter",
        value=12.24,
        benchmark_value=9.86,
        verdict_label="achterstand groeit",
        baseline_gap=0.8,
        latest_gap=3.0,
    )
    assert trend_title(row, IND, "Heerlen", "de rest van Nederland") == (
        "Vroeggeboorte in Heerlen: duidelijk slechter dan de rest van Nederland (12,2% tegen 9,9% in 2022-2024)"
    )
    assert gap_title(row, IND, "Heerlen") == (
        "Vroeggeboorte in Heerlen: de achterstand is 2,2 procentpunt groter dan bij de start; oordeel achterstand groeit"
    )
    closed = _row(latest_gap=-0.4, verdict_label="doel bereikt")
    assert gap_title(closed, IND, "Vaals").endswith(
        "de achterstand van de start is helemaal ingelopen; oordeel doel bereikt"
    )
    halved = _row()  # 2,0 -> 1,0
    assert "de achterstand is 1,0 procentpunt kleiner dan bij de start; oordeel op koers" in gap_title(
        halved, IND, "Vaals"
    )
    unknown = _row(comparison="niet_te_beoordelen", value=float("nan"), benchmark_value=6.9)
    assert (
        trend_title(unknown, IND, "Vaals", "Nederland")
        == "Vroeggeboorte in Vaals: nu niet te vergelijken met Nederland"
    )


def test_insufficient_data_says_what_is_known_and_when_more_will_be():
    # Heerlen's "Laag geboortegewicht" in the issue: the gap grew from 1,2 to 2,0, too uncertain for a verdict.
    row = _row(
        baseline_gap=1.2,
        baseline_gap_lower=0.1,
        latest_gap=2.0,
        share_closed=-0.67,
        verdict="onvoldoende_gegevens",
        verdict_label="onvoldoende gegevens",
        verdict_reason="trendlijn door 7 meetpunten (2018–2024): te onzeker om te oordelen (kans op het doel 30%); "
        "met de huidige aantallen is een oordeel te verwachten met cijfers tot en met 2027 (bekend in 2029)",
        verdict_data_until=2027.0,
        verdict_known_in=2029.0,
    )
    text = assessment_sentence(row, IND, "Heerlen", "de rest van Nederland", 2030)
    assert (
        "Een oordeel voor 2030 is nog niet mogelijk. Volgens de cijfers is de achterstand sinds de start gegroeid "
        "(van 1,2 naar 2,0 procentpunt), maar dat is nog niet zeker genoeg voor een oordeel over 2030. Met de "
        "huidige aantallen wordt een oordeel naar verwachting mogelijk met de cijfers tot en met 2027, die naar "
        "verwachting in 2029 verschijnen."
    ) in text
    assert "Oordeel voor 2030: onvoldoende gegevens" not in text
    # counts too small ever to tell: never a year, but why, and where to look instead
    never = row.copy()
    never["verdict_data_until"] = never["verdict_known_in"] = math.nan
    never["verdict_reason"] = (
        "trendlijn door 7 meetpunten (2018–2024): te onzeker om te oordelen (kans op het doel 40%); "
        "ook met cijfers tot ver na 2030 niet: de aantallen zijn te klein, kijk naar subregio of regio"
    )
    text = assessment_sentence(never, IND, "Vaals", "de rest van Nederland", 2030)
    assert (
        "Ook met cijfers tot ver na 2030 wordt het voor Vaals alleen niet zeker genoeg, omdat de aantallen te klein "
        "zijn; de subregio en de regio zeggen meer."
    ) in text and "2031" not in text
    # no clear gap at the start (Voortijdig schoolverlaters in the issue): nothing to close, said so
    flat = _row(
        baseline_gap=0.3,
        baseline_gap_lower=-0.2,
        latest_gap=0.1,
        verdict="onvoldoende_gegevens",
        verdict_reason="trendlijn door 13 meetpunten (2012–2024): bij de start geen duidelijke achterstand om in "
        "te lopen (95%-marge rond nul)",
    )
    text = assessment_sentence(flat, IND, "Heerlen", "de rest van Nederland", 2030)
    assert (
        "Een oordeel voor 2030 is nog niet mogelijk. Omdat er bij de start geen duidelijke achterstand was, is er "
        "geen deel van een achterstand om in te lopen."
    ) in text
    assert text.count("Bij de start") == 1  # the gap at the start is told once
    from trendbreuk.reports.sentences import insufficient_sentence

    assert insufficient_sentence(flat, IND, "Heerlen", "de rest van Nederland", 2030).startswith(
        "Bij de start (2016-2018) was er geen duidelijke achterstand op de rest van Nederland (0,3 procentpunt, met een "
        "marge rond nul), dus ook geen achterstand om een deel van in te lopen."
    )
