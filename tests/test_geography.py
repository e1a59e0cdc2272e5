import csv
import json

import pytest

from tests.conftest import ROOT, shared_file
from trendbreuk.geography.areas import AreaLookupError, load_regions, name_key, normalise_gemeente_code

REGIONS = load_regions(ROOT / "config" / "regions.yaml")
ZL = REGIONS.region("zuid-limburg")


def test_zuid_limburg_has_three_subregios_and_sixteen_gemeenten():
    assert [s.name for s in ZL.subregios] == ["Maastricht-Heuvelland", "Parkstad", "Westelijke Mijnstreek"]
    assert [len(s.gemeenten) for s in ZL.subregios] == [6, 7, 3]
    assert len({g.code for g in ZL.gemeenten}) == 16


def test_zuid_limburg_is_exactly_veiligheidsregio_vr24():
    path = shared_file("geo", "KoppelCodes.csv")
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    vr24 = {r["gemeentCode"] for r in rows if r["veiligheidsRegioCode"] == "VR24"}
    assert vr24 == {g.code for g in ZL.gemeenten}


def test_every_configured_code_is_a_current_gemeente_in_cbs_03759ned():
    folder = shared_file("cbs", "03759ned-v4")
    codes = {c["Identifier"].strip(): c for c in json.loads((folder / "codes-RegioS.json").read_text())["value"]}
    observations = json.loads((folder / "observations-page-1.json").read_text())["value"]
    populated_2026 = {
        o["RegioS"]
        for o in observations
        if o["Perioden"] == "2026JJ00" and o["Measure"] == "M000352" and o["Value"] is not None
    }
    for region in REGIONS.regions.values():
        for g in region.gemeenten:
            assert g.code in codes, g.code
            assert g.code in populated_2026, f"{g.code} {g.name} has no population in 2026"
            assert name_key(codes[g.code]["Title"]) == name_key(g.name), (g.code, codes[g.code]["Title"], g.name)


def test_second_region_is_configured_without_overlap():
    nml = REGIONS.region("noord-en-midden-limburg")
    assert len(nml.gemeenten) == 14
    assert not {g.code for g in nml.gemeenten} & {g.code for g in ZL.gemeenten}


@pytest.mark.parametrize("text", ["GM0935", "gm0935", "GM0935    ", "0935", "935", "Maastricht", "MAASTRICHT"])
def test_gemeente_lookup_by_code_or_name(text):
    assert ZL.gemeente(text).code == "GM0935"


@pytest.mark.parametrize(
    "text, code",
    [
        ("Beek", "GM0888"),
        ("Beek (L.)", "GM0888"),
        ("Stein (L.)", "GM0971"),
        ("Valkenburg a/d Geul", "GM0994"),
        ("valkenburg aan de geul", "GM0994"),
        ("Eijsden Margraten", "GM1903"),
    ],
)
def test_gemeente_lookup_forgives_official_variants(text, code):
    assert ZL.gemeente(text).code == code


def test_unknown_gemeente_lists_closest_matches():
    with pytest.raises(AreaLookupError, match=r"closest matches: Heerlen \(GM0917\)"):
        ZL.gemeente("Herlen")


def test_beek_is_not_confused_with_beekdaelen():
    assert ZL.gemeente("Beekdaelen").code == "GM1954"
    assert ZL.gemeente("Beek").code == "GM0888"


def test_code_outside_region_is_an_error_naming_the_region():
    with pytest.raises(AreaLookupError, match="not part of region Zuid-Limburg"):
        ZL.gemeente("GM0983")


def test_bad_code_is_refused():
    with pytest.raises(AreaLookupError, match="not a gemeente code"):
        normalise_gemeente_code("XX12")


def test_region_config_refuses_a_code_twice(tmp_path):
    path = tmp_path / "regions.yaml"
    path.write_text(
        "benchmarks: [{code: rest_nl, name: Rest}]\nregions:\n  a:\n    code: A\n    name: A\n    subregios:\n"
        "      - {code: S, name: S, gemeenten: [{code: GM0001, name: X}, {code: GM0001, name: Y}]}\n"
    )
    from trendbreuk.geography.areas import RegionsConfigError

    with pytest.raises(RegionsConfigError, match="GM0001 appears twice"):
        load_regions(path)


def test_locate_gemeente_by_name_in_any_region():
    region, gemeente = REGIONS.locate_gemeente("Venlo")  # a name outside the default region
    assert (region.key, gemeente.code) == ("noord-en-midden-limburg", "GM0983")
    assert REGIONS.locate_gemeente("0917")[1].name == "Heerlen"
    with pytest.raises(AreaLookupError, match="is not a gemeente of region Noord- en Midden-Limburg"):
        REGIONS.locate_gemeente("Heerlen", "noord-en-midden-limburg")
    with pytest.raises(AreaLookupError, match="closest matches: Heerlen"):
        REGIONS.locate_gemeente("Herlen")  # unknown everywhere: the default region's hints
