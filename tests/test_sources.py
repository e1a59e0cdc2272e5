import math

import pandas as pd
import pytest

from tests.conftest import ROOT, shared_file
from trendbreuk.geography.areas import load_regions
from trendbreuk.sources.cbs import SnapshotError, read_cbs_v4
from trendbreuk.sources.exports import ExportFormatError, ExportLayout, read_export
from trendbreuk.sources.numbers import NumberFormatError, parse_dutch_number
from trendbreuk.sources.periods import PeriodError, parse_period

REGIONS = load_regions(ROOT / "config" / "regions.yaml")


@pytest.mark.parametrize(
    "text, expected",
    [("17,2", 17.2), ("1.234", 1234.0), ("1.234,5", 1234.5), ("-0,4", -0.4), ("12", 12.0), (" 7 ", 7.0)],
)
def test_dutch_numbers(text, expected):
    assert parse_dutch_number(text) == expected


@pytest.mark.parametrize("marker", ["", "-", ".", "x"])
def test_missing_markers_become_nan(marker):
    assert math.isnan(parse_dutch_number(marker))


def test_a_typo_is_an_error_not_a_missing_value():
    with pytest.raises(NumberFormatError, match="'17,2a' is not a number"):
        parse_dutch_number("17,2a")


@pytest.mark.parametrize(
    "code, start, end, freq",
    [
        ("2023JJ00", "2023-01-01", "2023-12-31", "jaar"),
        ("2015HJ01", "2015-01-01", "2015-06-30", "halfjaar"),
        ("2015HJ02", "2015-07-01", "2015-12-31", "halfjaar"),
        ("2022KW03", "2022-07-01", "2022-09-30", "kwartaal"),
        ("2021MM11", "2021-11-01", "2021-11-30", "maand"),
        ("2024MM02", "2024-02-01", "2024-02-29", "maand"),
        ("2017-2019", "2017-01-01", "2019-12-31", "meerjarig"),
        ("2017 t/m 2019", "2017-01-01", "2019-12-31", "meerjarig"),
    ],
)
def test_periods(code, start, end, freq):
    period = parse_period(code)
    assert (str(period.start), str(period.end), period.frequency) == (start, end, freq)


@pytest.mark.parametrize("bad", ["2023KW05", "2019-2017", "vorig jaar"])
def test_bad_periods_are_refused(bad):
    with pytest.raises(PeriodError):
        parse_period(bad)


def test_real_cbs_v4_snapshot_reads_into_tidy_rows():
    folder = shared_file("cbs", "03759ned-v4")
    tidy = read_cbs_v4(folder)
    assert len(tidy) == 13568
    population = tidy[tidy["measure"] == "M000352"]
    nl_2019 = population[(population["region_code"] == "NL01") & (population["period_code"] == "2019JJ00")]
    # CBS: 17.282.163 inwoners op 1 januari 2019 (published population figure).
    assert nl_2019["value"].item() == 17_282_163
    assert nl_2019["measure_label"].item() == "Bevolking op 1 januari"
    # Dissolved gemeenten appear with 'Impossible' and keep the reason.
    nuth_2020 = population[(population["region_code"] == "GM0951") & (population["period_code"] == "2020JJ00")]
    assert math.isnan(nuth_2020["value"].item())
    assert "bestond" in nuth_2020["missing_reason"].item()


def test_real_cbs_gemeenten_sum_to_nederland_every_year():
    tidy = read_cbs_v4(shared_file("cbs", "03759ned-v4"))
    population = tidy[tidy["measure"] == "M000352"]
    for period, rows in population.groupby("period_code"):
        gemeenten = rows[rows["region_code"].str.startswith("GM")]["value"].sum()
        national = rows[rows["region_code"] == "NL01"]["value"].item()
        if math.isnan(national):  # period announced but not yet published
            continue
        assert gemeenten == national, period


def test_snapshot_without_manifest_says_how_to_fetch(tmp_path):
    with pytest.raises(SnapshotError, match="trendbreuk fetch"):
        read_cbs_v4(tmp_path)


def test_snapshot_with_damaged_json_names_the_file(tmp_path):
    (tmp_path / "manifest.json").write_text('{"table": "x", "observations": ["p1.json"], "measure_codes": "m.json"}')
    (tmp_path / "p1.json").write_text('{"value": [{"Measure": "M1"')
    with pytest.raises(SnapshotError, match="p1.json is not valid JSON"):
        read_cbs_v4(tmp_path)


PERINED = ExportLayout(
    source="perined",
    columns={
        "area_code": "Gemeentecode",
        "area_name": "Gemeente",
        "period": "Periode",
        "indicator": "Indicator",
        "numerator": "Teller",
        "denominator": "Noemer",
        "value": "Percentage",
    },
    indicator_names={"vroeggeboorte": "vroeggeboorte", "v": "vroeggeboorte"},
)
HEADER = "Gemeentecode;Gemeente;Periode;Indicator;Teller;Noemer;Percentage\n"


def test_perined_style_export_with_bom_and_decimal_commas(tmp_path):
    path = tmp_path / "perined.csv"
    path.write_text(
        HEADER + "GM0981;Vaals;2016-2018;vroeggeboorte;12;215;5,6\n"
        ";Nederland;2016-2018;vroeggeboorte;36.000;510.000;7,1\n"
        "GM0363;Amsterdam;2016-2018;vroeggeboorte;-;-;-\n",
        encoding="utf-8-sig",
    )
    tidy = read_export(path, PERINED, REGIONS).set_index("area_code")
    assert tidy.loc["GM0981", ["numerator", "denominator", "value"]].tolist() == [12, 215, 5.6]
    assert tidy.loc["NL01", "denominator"] == 510_000
    assert (tidy.loc["GM0981", "year_start"], tidy.loc["GM0981", "year_end"]) == (2016, 2018)
    # Amsterdam is outside every configured region: set aside, and said so.
    assert "GM0363" not in tidy.index
    outside = next(n for n in tidy.attrs["notes"] if n["kind"] == "gemeente buiten de regio's")
    assert outside["count"] == 1 and outside["rows"] == [4]


def test_wsjg_style_export_in_cp1252_with_names_only(tmp_path):
    layout = ExportLayout(
        source="wsjg",
        encoding="cp1252",
        columns={"area_name": "Gebied", "period": "Periode", "indicator": "Indicator", "value": "Waarde"},
        indicator_names={"x": "x"},
    )
    path = tmp_path / "wsjg.csv"
    path.write_bytes(
        "Indicator;Gebied;Periode;Waarde\nx;Beek (L.);2020;8,5\nx;Valkenburg a/d Geul;2020;6,1\n"
        "x;Súdwest-Fryslân;2020;5,0\n".encode("cp1252")
    )
    tidy = read_export(path, layout, REGIONS)
    assert dict(zip(tidy["area_code"], tidy["value"])) == {"GM0888": 8.5, "GM0994": 6.1}
    loose = next(n for n in tidy.attrs["notes"] if n["kind"] == "naam ruim gelezen")
    assert loose["examples"] == ["'Valkenburg a/d Geul' gelezen als Valkenburg aan de Geul (GM0994)"]


def _problems(path, layout=PERINED, register=None):
    with pytest.raises(ExportFormatError) as err:
        read_export(path, layout, REGIONS, register)
    return err.value.problems


def test_export_with_renamed_column_names_the_column(tmp_path):
    path = tmp_path / "perined.csv"
    path.write_text(
        "Gemeentecode;Gemeente;Jaar;Indicator;Teller;Noemer;Percentage\nGM0981;Vaals;2018;v;1;2;50\n", encoding="utf-8"
    )
    [problem] = _problems(path)
    assert (problem.row, problem.column) == (1, "Periode")
    assert "kolom 'Periode' ontbreekt of is hernoemd (dichtstbijzijnd" in problem.message
    assert "layouts.perined.columns in config/sources.yaml" in problem.message


def test_every_bad_number_is_named_with_row_and_column(tmp_path):
    path = tmp_path / "perined.csv"
    path.write_text(HEADER + "GM0981;Vaals;2018;v;12;2l5;5,6\nGM0917;Heerlen;2018;v;1O;900;1,1\n", encoding="utf-8")
    problems = _problems(path)
    assert [(p.row, p.column, p.value) for p in problems] == [(2, "Noemer", "2l5"), (3, "Teller", "1O")]


def test_export_in_the_wrong_encoding_says_which_to_set(tmp_path):
    layout = ExportLayout(
        source="wsjg", encoding="utf-8", columns={"area_name": "Gebied", "period": "Periode", "value": "Waarde"}
    )
    path = tmp_path / "wsjg.csv"
    path.write_bytes("Gebied;Periode;Waarde\nSúdwest-Fryslân;2020;5\n".encode("cp1252"))
    [problem] = _problems(path, layout)
    assert problem.row == 2 and "het lijkt cp1252 te zijn: zet `encoding: cp1252` bij layouts.wsjg" in problem.message


def test_duplicate_rows_are_refused(tmp_path):
    path = tmp_path / "perined.csv"
    path.write_text(HEADER + "GM0981;Vaals;2018;v;12;215;5,6\nGM0981;Vaals;2018;v;13;215;6,0\n", encoding="utf-8")
    [problem] = _problems(path)
    assert problem.row == 3 and "dubbele regel" in problem.message and "als rij 2" in problem.message


def test_excel_export_reads_like_the_csv(tmp_path):
    path = tmp_path / "perined.xlsx"
    pd.DataFrame(
        {
            "Gemeentecode": ["GM0935", ""],
            "Gemeente": ["Maastricht", "Nederland"],
            "Periode": ["2017-2019"] * 2,
            "Indicator": ["v", "v"],
            "Teller": ["250", "36.000"],
            "Noemer": ["3.100", "510.000"],
            "Percentage": ["8,1", "7,1"],
        }
    ).to_excel(path, index=False)
    tidy = read_export(path, PERINED, REGIONS).set_index("area_code")
    assert tidy.loc["GM0935", ["numerator", "denominator", "value"]].tolist() == [250, 3100, 8.1]
    assert tidy.loc["NL01", "period"] == "2017-2019"


def test_excel_numbers_stay_numbers(tmp_path):
    """A real Excel download holds numbers as numbers (8.06 is not '8,06'); they must not be read as text."""
    path = tmp_path / "perined.xlsx"
    pd.DataFrame(
        {
            "Gemeentecode": ["GM0935"],
            "Gemeente": ["Maastricht"],
            "Periode": [2018],
            "Indicator": ["v"],
            "Teller": [250],
            "Noemer": [3100],
            "Percentage": [8.06],
        }
    ).to_excel(path, index=False)
    tidy = read_export(path, PERINED, REGIONS)
    assert tidy[["numerator", "denominator", "value"]].iloc[0].tolist() == [250, 3100, 8.06]
