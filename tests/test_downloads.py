"""Downloads that cannot run anything (OWASP CSV injection): every CSV and XLSX cell from a name or generated text
stays text; numbers stay numbers."""

import io as stdio

import pandas as pd
import pytest

from trendbreuk.downloads import csv_bytes, safe_text


@pytest.mark.parametrize(
    "text, expected",
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("+31 6 1234", "'+31 6 1234"),
        ("-0,2 procentpunt", "'-0,2 procentpunt"),
        ("\tcmd", "'\tcmd"),
        ("\r=1", "'\r=1"),
        ("-0,2", "-0,2"),  # a number in Dutch notation stays a number
        ("-1.234,5", "-1.234,5"),
        ("+17,2%", "+17,2%"),
        ("-3", "-3"),
        ("Heerlen", "Heerlen"),
        ("Beek (L.)", "Beek (L.)"),
    ],
)
def test_text_that_a_spreadsheet_would_evaluate_gets_an_apostrophe(text, expected):
    assert safe_text(text) == expected


def test_a_csv_keeps_numbers_and_neutralises_names_and_headers():
    frame = pd.DataFrame(
        {
            "Gebied": ['=HYPERLINK("http://x","y")', "Heerlen"],
            "Waarde": [-0.5, 12.25],
            "=kolom": ["-0,2 procentpunt", "1,0 procentpunt"],
        }
    )
    text = csv_bytes(frame).decode("utf-8-sig")
    back = pd.read_csv(stdio.StringIO(text), sep=";")
    assert list(back.columns) == ["Gebied", "Waarde", "'=kolom"]
    assert back["Gebied"].tolist() == ['\'=HYPERLINK("http://x","y")', "Heerlen"]
    assert back["Waarde"].tolist() == [-0.5, 12.25]  # written as numbers
    assert back["'=kolom"].tolist() == ["'-0,2 procentpunt", "1,0 procentpunt"]
    # no line of the file has a cell that starts like a formula
    for line in text.splitlines():
        for cell in line.split(";"):
            assert not cell.strip('"').startswith(("=", "+", "@")), cell


def test_a_name_in_the_registration_template_is_text_and_reads_back(tmp_path):
    """openpyxl would store '=HYPERLINK(...)' as a formula (Excel evaluates it, the workbook reads it back empty)."""
    from dataclasses import replace

    from openpyxl import load_workbook

    from tests.conftest import ROOT
    from trendbreuk.geography.areas import load_regions
    from trendbreuk.sources.programmes import load_programmes
    from trendbreuk.sources.registration_template import write_template

    regions = load_regions(ROOT / "config" / "regions.yaml")
    region = regions.region()
    hostile = '=HYPERLINK("http://x","y")'
    first = region.subregios[0]
    gemeente = replace(first.gemeenten[0], name=hostile)
    subregio = replace(first, gemeenten=(gemeente, *first.gemeenten[1:]))
    region = replace(region, subregios=(subregio, *region.subregios[1:]))
    regions = replace(regions, regions={**regions.regions, region.key: region})
    path = write_template(
        tmp_path / "r.xlsx", regions, load_programmes(ROOT / "config" / "programmes.yaml"), region.key
    )
    lists = load_workbook(path)["Keuzelijsten"]
    cells = [c for c in lists["A"] if c.value == hostile]
    assert cells and all(c.data_type == "s" for c in cells)
