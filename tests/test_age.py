"""Age beside the comparisons (issue 20): the population at risk on the real KWB 2020 recording, age-standardised
survey estimates through the build by hand, and the reports' age sentence."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from tests.conftest import ROOT, shared_file
from tests.report_html import table_texts
from trendbreuk.geography.areas import load_regions
from trendbreuk.indicators.catalogue import load_catalogue
from trendbreuk.processed import load_processed
from trendbreuk.reports.age import AgeComparison, about, sentence
from trendbreuk.reports.render import regio_job, render

CATALOGUE = load_catalogue(ROOT / "config" / "indicators.yaml")
ZUID_LIMBURG = [g.code for g in load_regions(ROOT / "config" / "regions.yaml").region("zuid-limburg").gemeenten]


# The population at risk, on the real recording ----------------------------------------------------------------


@pytest.fixture(scope="module")
def recording():
    """KWB 2020 as CBS delivered it (its own keys), the gemeenten and the national row (NL00)."""
    table = pd.read_parquet(shared_file("cbs", "84799NED-v3", "cbs.v3.84799NED_TypedDataSet.parquet"))
    table["code"] = table["WijkenEnBuurten"].str.strip()
    return table.set_index("code")


def _shares(recording, benefit: str, bands: list[str]) -> tuple[float, float]:
    """The benefit's share of the population in `bands` in Zuid-Limburg and in the rest of NL, summed from the rows."""
    zl = recording.loc[ZUID_LIMBURG]
    nl = recording.loc["NL00"]
    count_zl, count_nl = zl[benefit].sum(), nl[benefit]
    people_zl, people_nl = zl[bands].sum().sum(), nl[bands].sum()
    return count_zl / people_zl, (count_nl - count_zl) / (people_nl - people_zl)


AT_RISK = ["k_15Tot25Jaar_9", "k_25Tot45Jaar_10", "k_45Tot65Jaar_11"]
FROM_15 = AT_RISK + ["k_65JaarOfOuder_12"]


def test_the_population_at_risk_turns_ww_from_better_to_worse_on_the_real_recording(recorded_project, recording):
    """Measured on KWB 2020 (issue 20): Zuid-Limburg / rest of NL is 1,14 for bijstand and 0,98 for WW per inhabitant
    of 15 and over (CBS's measure), 1,22 and 1,05 per inhabitant of 15 to 65. The build's second definition gives
    exactly the shares summed here from the recording's own rows, beside CBS's measure, which stays."""
    values = load_processed("real", root=recorded_project).indicator_values
    values = values[values["region"] == "zuid-limburg"].set_index(["indicator", "area_code"])["value"]
    for benefit, indicator, crude_ratio, at_risk_ratio in (
        ("PersonenPerSoortUitkeringBijstand_83", "bijstand", 1.14, 1.22),
        ("PersonenPerSoortUitkeringWW_85", "ww_uitkering", 0.98, 1.05),
    ):
        zl, rest = _shares(recording, benefit, AT_RISK)
        assert values[(f"{indicator}_15_65", "ZL")] == pytest.approx(100 * zl)
        assert values[(f"{indicator}_15_65", "rest_nl")] == pytest.approx(100 * rest)
        assert round(zl / rest, 2) == at_risk_ratio
        zl, rest = _shares(recording, benefit, FROM_15)
        assert values[(indicator, "ZL")] == pytest.approx(100 * zl)  # CBS's own measure is still there
        assert round(zl / rest, 2) == crude_ratio


def test_the_regional_report_says_what_the_denominator_does(recorded_project, tmp_path):
    """The real regional report: the sentence beside bijstand and WW, with the ratios of the test above."""
    regions = load_regions(recorded_project / "config" / "regions.yaml")
    page = render(
        regio_job(regions, dataset="real"), engine="python", root=recorded_project, out_dir=tmp_path
    ).read_text(encoding="utf-8")
    assert "Leeftijd en de achterstand" in page
    assert (
        "Na correctie voor leeftijd (gemeten aan de inwoners van 15 tot 65 jaar, wie deze uitkering kan krijgen) "
        "ligt het cijfer van Zuid-Limburg 22% hoger dan in de rest van Nederland, in plaats van 14% hoger gemeten "
        "aan alle inwoners van 15 jaar en ouder (de maat van CBS; 2020)."
    ) in page
    assert (
        "ligt het cijfer van Zuid-Limburg 5% hoger dan in de rest van Nederland, in plaats van 2% lager gemeten "
        "aan alle inwoners van 15 jaar en ouder"
    ) in page
    assert "verbergen de achterstand" in page
    # the adults' age structure the sentence rests on, from the same rows: 65+ among 18+ (15-17: 3 of the 10 years)
    rows = pd.read_parquet(shared_file("cbs", "84799NED-v3", "cbs.v3.84799NED_TypedDataSet.parquet"))
    rows["code"] = rows["WijkenEnBuurten"].str.strip()
    table = rows.set_index("code")
    zl = table.loc[ZUID_LIMBURG]
    adults = (
        0.7 * zl["k_15Tot25Jaar_9"].sum()
        + zl[["k_25Tot45Jaar_10", "k_45Tot65Jaar_11", "k_65JaarOfOuder_12"]].sum().sum()
    )
    share = zl["k_65JaarOfOuder_12"].sum() / adults
    assert (
        f"In 2020 was {100 * share:.1f}".replace(".", ",") + "% van de volwassenen in Zuid-Limburg 65 jaar of ouder"
        in page
    )


# Age-standardised survey estimates, on the demo -------------------------------------------------------------


def _standard_weights(project) -> dict[str, float]:
    """18-64 and 65+ shares of the demo's standard population, read from its snapshot files."""
    folder = max((project / "data" / "raw" / "demo" / "cbs" / "03759ned-standaardbevolking").iterdir())
    titles = {c["Identifier"]: c["Title"] for c in json.loads((folder / "LeeftijdCodes.json").read_text())["value"]}
    counts = {}
    for page in ("Observations-1.json", "Observations-2.json"):
        for row in json.loads((folder / page).read_text())["value"]:
            counts[titles[row["Leeftijd"]]] = row["Value"]
    young = sum(counts[f"{age} jaar"] for age in range(18, 65))
    old = sum(counts[f"{age} jaar"] for age in range(65, 105)) + counts["105 jaar of ouder"]
    return {"53115": young / (young + old), "80200": old / (young + old)}


def test_an_age_standardised_estimate_is_the_age_groups_weighted_by_the_standard(project):
    processed = load_processed(root=project)
    weights = _standard_weights(project)
    strata = processed.age_strata
    zl = strata[
        (strata["indicator"] == "roken_leeftijd") & (strata["area_code"] == "ZL") & (strata["period"] == "2022")
    ]
    p = zl.set_index("stratum")["value"]
    se = ((zl["upper_ci"] - zl["lower_ci"]) / (2 * 1.959964)).to_numpy()
    values = processed.indicator_values
    row = values[
        (values["indicator"] == "roken_leeftijd") & (values["area_code"] == "ZL") & (values["period"] == "2022")
    ].iloc[0]
    assert row["value"] == pytest.approx(weights["53115"] * p["53115"] + weights["80200"] * p["80200"])
    spread = math.sqrt(sum((w * s) ** 2 for w, s in zip([weights[k] for k in zl["stratum"]], se)))
    assert row["upper_ci"] - row["value"] == pytest.approx(1.959964 * spread, rel=1e-4)
    assert set(zl["standard_weight"].round(6)) == {round(w, 6) for w in weights.values()}


def test_the_reports_give_the_age_sentence_with_the_processed_gaps(project, python_reports):
    processed = load_processed(root=project)
    gaps = processed.gaps
    own = gaps[
        (gaps["region"] == "zuid-limburg")
        & (gaps["area_code"] == "ZL")
        & (gaps["benchmark"] == "rest_nl")
        & (gaps["period"] == "2022")
    ].set_index("indicator")["gap"]
    crude, adjusted = own["ervaren_gezondheid"], own["ervaren_gezondheid_leeftijd"]
    page = python_reports["regio"].read_text(encoding="utf-8")
    number = lambda v: f"{v:.1f}".replace(".", ",")
    expected = (
        f"Na correctie voor leeftijd is de achterstand {number(adjusted)} in plaats van {number(crude)} procentpunt"
    )
    assert expected in page
    assert about((crude - adjusted) / crude) in _age_row(page, "Goed ervaren gezondheid")
    assert "Per levensfase: wat leeftijd doet met de achterstand" in page


def test_ageing_ahead_is_the_shift_in_age_shares_times_the_difference_between_the_age_groups(project, python_reports):
    """For Zuid-Limburg and the rest of NL: (share 65+ in 2030 - share now) x (p65+ - p18-64), by hand from the
    processed tables; the difference of the two, oriented, is the change of the gap from ageing alone."""
    processed = load_processed(root=project)
    strata, shares = processed.age_strata, processed.age_shares
    shift = {}
    for code in ("ZL", "rest_nl"):
        p = strata[
            (strata["region"] == "zuid-limburg")
            & (strata["indicator"] == "ervaren_gezondheid_leeftijd")
            & (strata["area_code"] == code)
            & (strata["period"] == "2022")
        ].set_index("stratum")["value"]
        old = shares[
            (shares["region"] == "zuid-limburg") & (shares["area_code"] == code) & (shares["stratum"] == "80200")
        ]
        now = old[~old["projected"]].sort_values("year")["share"].iloc[-1]
        later = old[old["projected"]]["share"].iloc[0]
        shift[code] = (later - now) * (p["80200"] - p["53115"])
    change = -(shift["ZL"] - shift["rest_nl"])  # higher is better: a fall in the value is a larger gap
    page = python_reports["regio"].read_text(encoding="utf-8")
    expected = f"{'+' if change > 0 else '−'}{abs(change):.1f}".replace(".", ",") + " procentpunt"
    assert expected in _age_row(page, "Goed ervaren gezondheid")


def _age_row(page: str, title: str) -> list[str]:
    """The cells of an indicator's row in the table of the section 'Leeftijd en de achterstand'."""
    table = next(t for t in table_texts(page) if "Deel door leeftijd" in t and title in t)
    start = table.index(title)
    return table[start : start + 10]


def _comparison(crude_gap, adjusted_gap, kind="age_standardised", crude_relative=0.0, adjusted_relative=0.0):
    family = CATALOGUE["roken"] if kind == "age_standardised" else CATALOGUE["ww_uitkering"]
    variant = CATALOGUE["roken_leeftijd"] if kind == "age_standardised" else CATALOGUE["ww_uitkering_15_65"]
    return AgeComparison(
        family, family, variant, "2022", crude_gap, adjusted_gap, np.nan, np.nan, crude_relative, adjusted_relative
    )


@pytest.mark.parametrize(
    "crude, adjusted, expected",
    [
        (
            1.3,
            0.8,
            "Na correctie voor leeftijd is de achterstand 0,8 in plaats van 1,3 procentpunt: ongeveer 40% komt door "
            "de oudere bevolking (2022).",
        ),
        (
            1.3,
            1.8,
            "Na correctie voor leeftijd is de achterstand 1,8 in plaats van 1,3 procentpunt: de oudere bevolking "
            "verbergt een deel van de achterstand (2022).",
        ),
        (
            0.6,
            -0.2,
            "Zonder correctie heeft Heerlen een achterstand van 0,6 procentpunt; na correctie voor leeftijd een "
            "voorsprong van 0,2 procentpunt: de achterstand komt door de oudere bevolking (2022).",
        ),
        (
            -0.4,
            0.5,
            "Zonder correctie lijkt Heerlen het niet slechter te doen dan de rest van Nederland (een voorsprong van "
            "0,4 procentpunt); na correctie voor leeftijd is er een achterstand van 0,5 procentpunt: de oudere "
            "bevolking verbergt de achterstand (2022).",
        ),
    ],
)
def test_the_age_sentence_in_each_direction(crude, adjusted, expected):
    """The issue's example first: (1,3 - 0,8) / 1,3 = 38%, 'ongeveer 40%'."""
    assert sentence(_comparison(crude, adjusted), "Heerlen", "de rest van Nederland", older=True) == expected


def test_a_younger_area_is_not_called_older():
    text = sentence(_comparison(1.3, 0.8), "Maastricht", "de rest van Nederland", older=False)
    assert "door de leeftijdsopbouw" in text and "oudere" not in text


# The standard population, fetched -------------------------------------------------------------------------


def _fetch_standard(mirror, root):
    from typer.testing import CliRunner

    from trendbreuk import cli

    with pytest.MonkeyPatch.context() as patch:
        for key, value in {**mirror.environment(), "TRENDBREUK_ROOT": str(root)}.items():
            patch.setenv(key, value)
        return CliRunner().invoke(cli.app, ["fetch", "cbs", "03759ned-standaardbevolking"])


def test_the_standard_population_is_fetched_by_year_of_age_and_a_total_alone_is_refused(tmp_path):
    """The real 03759ned code list (single years 0-104, '95 jaar of ouder', '105 jaar of ouder', 'Totaal'). The
    recording holds totals only: reading it as a standard says so and names the folder. Served with made-up
    numbers by year of age for NL01 in 2022 (1.000 at every age 0-104, 500 aged 105+), the shares are by hand
    47.000 / 87.500 for 18-64 and (40 x 1.000 + 500) / 87.500 for 65+: '95 jaar of ouder' is not counted twice."""
    import shutil

    from tests.conftest import SHARED
    from tests.odata_mirror import ODataMirror, add_recordings
    from trendbreuk.indicators.standardise import standard_weights
    from trendbreuk.sources.datasets import load_sources
    from trendbreuk.sources.population import StandardPopulationError, read_standard_population

    shared_file("cbs", "03759ned-v4")
    root = tmp_path / "project"
    shutil.copytree(ROOT / "config", root / "config")
    sources = load_sources(root=root)
    cbs_dir = sources.dataset("real").cbs_dir
    with ODataMirror() as mirror:
        add_recordings(mirror, SHARED)
        result = _fetch_standard(mirror, root)
        assert result.exit_code == 0, result.output
        assert "Perioden ge '2022JJ00'" in " ".join(mirror.requests).replace("%20", " ")
    with pytest.raises(StandardPopulationError, match="03759ned-standaardbevolking.*no numbers by single year of age"):
        read_standard_population(sources, cbs_dir)

    codes = json.loads((SHARED / "cbs" / "03759ned-v4" / "codes-Leeftijd.json").read_text())["value"]
    made_up = []
    for code in codes:
        title = code["Title"]
        value = (
            1000
            if title.endswith(" jaar") and not title.endswith("ouder")
            else 500
            if title == "105 jaar of ouder"
            else 11 * 1000 + 500
            if title == "95 jaar of ouder"
            else 105_500
        )
        made_up.append(
            {
                "Id": len(made_up),
                "Measure": "M000352",
                "ValueAttribute": "None",
                "Value": value,
                "StringValue": None,
                "BurgerlijkeStaat": "T001019",
                "Geslacht": "T001038",
                "Leeftijd": code["Identifier"],
                "RegioS": "NL01",
                "Perioden": "2022JJ00",
            }
        )
    with ODataMirror() as mirror:
        add_recordings(mirror, SHARED)
        table = mirror.tables[next(k for k in mirror.tables if k[1] == "03759ned")]
        table.entities["Observations"] = made_up
        result = _fetch_standard(mirror, root)
        assert result.exit_code == 0, result.output
    ages, provenance = read_standard_population(sources, cbs_dir)
    assert len(ages) == 106 and ages[105] == 500 and provenance["standard_year"] == 2022
    weights = standard_weights(ages, {"53115": (18, 65), "80200": (65, None)})
    assert weights == {"53115": pytest.approx(47_000 / 87_500), "80200": pytest.approx(40_500 / 87_500)}
