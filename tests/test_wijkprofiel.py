"""The wijkprofiel on the demo data (which has wijken and buurten in the real tables' shape): a focus area and a wijk
next to the rest of their gemeente, the region and the rest of NL; a break in the series where the indeling changed;
no wijk figure made from a gemeente figure; every wijk of a gemeente at once; the factsheet's wijken section."""

import re

import pytest
from typer.testing import CliRunner

from tests.report_html import figures, table_texts
from trendbreuk.geography.areas import load_regions
from trendbreuk.processed import load_processed
from trendbreuk.reports.render import area_job, focus_job, render


@pytest.fixture(scope="module")
def processed(project):
    return load_processed(root=project)


@pytest.fixture(scope="module")
def small(processed):
    """Every row of the wijken, buurten and focus areas (the test reads them whole; reports read them filtered)."""
    return processed.small_areas("small_area_values")


@pytest.fixture(scope="module")
def wijk_with_a_break(small) -> str:
    """A wijk of Heerlen whose bijstand series starts anew after an indeling change (from the demo's flags)."""
    values = small
    broken = values[
        (values["area_level"] == "wijk")
        & (values["gemeente_code"] == "GM0917")
        & (values["indicator"] == "bijstand")
        & values["series_break"]
    ]
    assert not broken.empty, "the demo should give Heerlen a wijk whose indeling changed"
    return broken["area_code"].iloc[0]


def test_a_focus_area_profile_names_its_members_and_shows_the_processed_numbers(project, small, tmp_path):
    regions = load_regions(project / "config" / "regions.yaml")
    job = focus_job("Pluswijk Hoensbroek (voorbeeld)", regions)
    assert job.filename == "focus-ZL-pluswijk-hoensbroek-voorbeeld.html" and job.kind == "focus"
    page = render(job, engine="python", root=project, out_dir=tmp_path).read_text(encoding="utf-8")
    assert "<h1>Pluswijk Hoensbroek (voorbeeld)</h1>" in page and "DEMODATA – GEEN ECHTE CIJFERS" in page
    assert "WK091710" in page and "WK091714" in page and "Focusgebied in Heerlen" in page
    values = small
    own = values[(values["area_code"] == "FA-pluswijk-hoensbroek-voorbeeld") & (values["indicator"] == "bijstand")]
    latest = own.sort_values("year_end").iloc[-1]
    from trendbreuk import formatting as fmt

    row = next(r for r in table_texts(page) if f"Personen met bijstand ({latest['period']})" in r)
    assert fmt.percentage(latest["value"]) in row


def test_a_wijk_profile_shows_where_its_series_starts_anew(project, small, wijk_with_a_break, tmp_path):
    regions = load_regions(project / "config" / "regions.yaml")
    job = area_job(wijk_with_a_break, regions, root=project)
    assert job.filename.startswith(f"wijk-{wijk_with_a_break}-")
    page = render(job, engine="python", root=project, out_dir=tmp_path).read_text(encoding="utf-8")
    values = small
    year = values[
        (values["area_code"] == wijk_with_a_break) & (values["indicator"] == "bijstand") & values["series_break"]
    ]["year_start"].iloc[0]
    bijstand = next(f for f in figures(page) if f["layout"]["title"]["text"].startswith("Personen met bijstand in "))
    assert [a["text"] for a in bijstand["layout"]["annotations"]] == ["indeling gewijzigd"] * len(
        bijstand["layout"]["shapes"]
    )
    assert any(shape["x0"] == year - 0.5 for shape in bijstand["layout"]["shapes"])
    assert f"De wijk- en buurtindeling veranderde in {year}" in page
    latest_break = values[
        (values["area_code"] == wijk_with_a_break) & (values["indicator"] == "bijstand") & values["series_break"]
    ]["year_start"].max()
    if latest_break > 2018:  # the run judged starts after the programme's start: no verdict, and why
        assert (
            f"Er is geen cijfer over het startjaar: de reeks begint pas in {latest_break}, na het startjaar 2018 "
            "(nieuwe reeks na een wijziging van de wijk- of buurtindeling)."
        ) in page


def test_no_wijk_figure_is_made_from_a_gemeente_figure(project, small, wijk_with_a_break, tmp_path):
    """Vroeggeboorte (Perined) exists per gemeente only: a wijk profile has no row and no chart for it."""
    regions = load_regions(project / "config" / "regions.yaml")
    page = render(
        area_job(wijk_with_a_break, regions, root=project), engine="python", root=project, out_dir=tmp_path
    ).read_text()
    assert "Vroeggeboorte" not in page and "Personen met bijstand" in page
    assert not (small["indicator"] == "vroeggeboorte").any()


def test_every_wijk_of_a_gemeente_and_the_index(project, small, tmp_path, monkeypatch):
    from trendbreuk import cli

    monkeypatch.setenv("TRENDBREUK_ROOT", str(project))
    monkeypatch.setenv("TRENDBREUK_REPORTS", str(tmp_path))
    result = CliRunner().invoke(cli.app, ["render", "wijken", "--gemeente", "Heerlen", "--engine", "python"])
    assert result.exit_code == 0, result.output
    values = small
    wijken = set(values.loc[(values["area_level"] == "wijk") & (values["gemeente_code"] == "GM0917"), "area_code"])
    written = {p.name.split("-")[1] for p in tmp_path.glob("wijk-*.html")}
    assert written == wijken and len(wijken) > 5
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "<h3>Wijkprofielen</h3>" in index and '<th scope="row">Heerlen</th>' in index
    again = CliRunner().invoke(cli.app, ["render", "wijken", "--gemeente", "Heerlen", "--engine", "python"])
    assert again.exit_code == 0 and f"waarvan {len(wijken)} ongewijzigd hergebruikt" in again.output


def test_the_factsheet_ranks_the_gemeentes_wijken(project, small, tmp_path):
    from trendbreuk.reports.render import gemeente_job

    regions = load_regions(project / "config" / "regions.yaml")
    page = render(gemeente_job("Heerlen", regions), engine="python", root=project, out_dir=tmp_path).read_text()
    assert "<h2>De wijken van Heerlen</h2>" in page
    ranked = next(f for f in figures(page) if f["layout"]["title"]["text"].startswith("Personen met bijstand per wijk"))
    values = small
    bijstand = values[
        (values["area_level"] == "wijk") & (values["gemeente_code"] == "GM0917") & (values["indicator"] == "bijstand")
    ]
    latest = bijstand[bijstand["year_end"] == bijstand["year_end"].max()].dropna(subset=["value"])
    shown = sum(len(trace["y"]) for trace in ranked["data"])
    assert shown == len(latest)
    assert re.search(r"van \d+,\d% tot \d+,\d%", ranked["layout"]["title"]["text"])


def test_an_unknown_focus_area_lists_the_configured_ones(project):
    regions = load_regions(project / "config" / "regions.yaml")
    with pytest.raises(
        LookupError,
        match=r"'Pluswijk Nergens' is not a focus area of Zuid-Limburg; configured: "
        r"Pluswijk Hoensbroek \(voorbeeld\); Pluswijk Vrieheide",
    ):
        focus_job("Pluswijk Nergens", regions)


def test_the_national_regions_file_keeps_the_focus_areas(project, tmp_path):
    """`trendbreuk regions national` keeps a configured region that equals a veiligheidsregio, focus areas included."""
    from tests.conftest import shared_file
    from trendbreuk.geography.national import read_area_list, write_regions_file

    areas = read_area_list(shared_file("geo", "KoppelCodes.csv"))
    target = tmp_path / "regions-nl.yaml"
    write_regions_file(areas, load_regions(project / "config" / "regions.yaml"), target)
    national = load_regions(target)
    assert [f.name for f in national.region("zuid-limburg").focus_areas] == [
        "Pluswijk Hoensbroek (voorbeeld)",
        "Pluswijk Vrieheide (voorbeeld)",
        "Pluswijk Geleen (voorbeeld)",
    ]
