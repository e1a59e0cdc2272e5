import math

import pandas as pd
import pytest

from trendbreuk import formatting as fmt


@pytest.mark.parametrize(
    "call, expected",
    [
        (lambda: fmt.percentage(17.2), "17,2%"),
        (lambda: fmt.percentage(17.25, 1), "17,3%"),  # half away from zero, as CBS rounds
        (lambda: fmt.number(0.15, 1), "0,2"),  # on the decimal value, not the binary 0.1499...
        (lambda: fmt.number(-0.25, 1), "-0,3"),
        (lambda: fmt.number(-0.04, 1), "0,0"),  # no negative zero
        (lambda: fmt.number(-1234.5, 0), "-1.235"),
        (lambda: fmt.number(1234), "1.234"),
        (lambda: fmt.number(1234567.891, 2), "1.234.567,89"),
        (lambda: fmt.share(0.25), "25%"),
        (lambda: fmt.difference(0.84, "%"), "0,8 procentpunt"),
        (lambda: fmt.difference(-1.25, "%", 2), "-1,25 procentpunt"),
        (lambda: fmt.percentage(math.nan), "–"),
    ],
)
def test_dutch_formats(call, expected):
    assert call() == expected


def test_table_cells_keep_periods_on_one_line():
    from trendbreuk.reports.page import table_html

    html = table_html(pd.DataFrame({"Periode": ["2016-2018 → 2022-2024"], "Code": ["GM0917-2018"]}))
    assert (
        '<td data-label="Periode"><span class="tb-nowrap">2016-2018</span> → <span class="tb-nowrap">2022-2024'
        '</span></td><td data-label="Code">GM0917-2018</td>'
    ) in html


def test_numbers_read_as_babel_writes_them_in_nl_nl():
    """The fast formatter against Babel's nl_NL pattern '#,##0.00' with half-up rounding, as an independent oracle,
    over values that stress rounding, grouping and signs."""
    import decimal
    import random

    from babel.numbers import format_decimal

    def babel(value, decimals):
        with decimal.localcontext() as context:
            context.rounding = decimal.ROUND_HALF_UP
            pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
            text = format_decimal(decimal.Decimal(repr(float(value))), format=pattern, locale="nl_NL")
        return text[1:] if text.startswith("-") and not text.strip("-0,") else text

    rng = random.Random(7)
    values = [0.0, -0.0, 0.05, -0.05, 2.675, 1234.5, -1234.55, 9_999_999.995, 0.0049999]
    values += [rng.uniform(-1e7, 1e7) for _ in range(2000)] + [round(rng.uniform(-100, 100), 3) for _ in range(2000)]
    for value in values:
        for decimals in (0, 1, 2, 3):
            assert fmt.number(value, decimals) == babel(value, decimals), (value, decimals)


def test_counts_take_the_right_noun_and_one_of_one_reads_as_the_only_one():
    from trendbreuk import formatting as fmt

    assert fmt.count(1, "indicator", "indicatoren") == "1 indicator"
    assert fmt.count(0, "indicator", "indicatoren") == "0 indicatoren"
    assert fmt.count(1234, "cijfer", "cijfers") == "1.234 cijfers"
    assert fmt.out_of(1, 1, "doelindicator", "doelindicatoren") == "de enige doelindicator"
    assert fmt.out_of(0, 1, "doelindicator", "doelindicatoren") == "geen enkele doelindicator"
    assert fmt.out_of(3, 3, "doelindicator", "doelindicatoren") == "alle 3 doelindicatoren"
    assert fmt.out_of(0, 4, "doelindicator", "doelindicatoren") == "geen van de 4 doelindicatoren"
    assert fmt.out_of(2, 19, "doelindicator", "doelindicatoren") == "2 van de 19 doelindicatoren"
    assert fmt.join(["Heerlen"]) == "Heerlen"
    assert fmt.join(["Heerlen", "Kerkrade", "Vaals"]) == "Heerlen, Kerkrade en Vaals"
    assert fmt.sentence("alle oordelen rusten op een trendlijn") == "Alle oordelen rusten op een trendlijn."
    assert fmt.sentence("Klaar?") == "Klaar?"


def test_standing_sentences_read_right_for_one_and_many():
    from trendbreuk.reports.sentences import chance_note, standing_sentence

    assert standing_sentence("Heerlen", "de rest van Nederland", {"slechter": 1}, 1) == (
        "Heerlen scoort nu op de enige doelindicator duidelijk slechter dan de rest van Nederland."
    )
    assert standing_sentence("Heerlen", "de rest van Nederland", {"gelijk": 1}, 1) == (
        "Heerlen scoort nu op de enige doelindicator niet duidelijk anders."
    )
    assert standing_sentence("Vaals", "de rest van Nederland", {"slechter": 3, "beter": 1, "gelijk": 15}, 19) == (
        "Vaals scoort nu op 3 van de 19 doelindicatoren duidelijk slechter dan de rest van Nederland, op 1 duidelijk "
        "beter en op 15 niet duidelijk anders."
    )
    assert standing_sentence("Vaals", "Nederland", {"niet_te_beoordelen": 2}, 2) == (
        "Beide doelindicatoren zijn voor Vaals nu niet te beoordelen."
    )
    # 19 comparisons at 95%: 0,95 expected by chance, "ongeveer 1"; 1 comparison: no count at all
    assert "bij 19 vergelijkingen zijn dat er ongeveer 1." in chance_note(19, 0.95)
    assert chance_note(1, 0.05) == (
        "Ook zonder echt verschil noemt de toets gemiddeld 1 op de 20 vergelijkingen "
        "“duidelijk” anders. Lees één afwijkende indicator daarom niet als bewijs."
    )
