"""`trendbreuk template registrations OUT.xlsx`: the workbook programme owners fill in.

Sheet 'Registraties' (long form: one row per area, period, programme and measure) with drop-down lists for
areas, programmes and measures; sheet 'Toelichting' with instructions in Dutch; sheet 'Keuzelijsten' with the
lists (hidden) and the measures per programme for reference.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from trendbreuk import io
from trendbreuk.downloads import set_text
from trendbreuk.geography.areas import RegionsConfig
from trendbreuk.sources.programmes import ProgrammeCatalogue
from trendbreuk.sources.registrations import COLUMNS, SHEET

ROWS_WITH_LISTS = 5000


def build_template(regions: RegionsConfig, programmes: ProgrammeCatalogue, region_key: str | None = None) -> Workbook:
    region = regions.region(region_key)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for letter, width in zip("ABCDEFG", (26, 12, 32, 32, 10, 10, 40)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"

    lists = workbook.create_sheet("Keuzelijsten")
    areas = [g.name for g in region.gemeenten] + [s.name for s in region.subregios] + [region.name]
    measures = sorted({m.title for p in programmes.programmes for m in p.measures})
    columns = {
        "A": ("Gebied", areas),
        "B": ("Programma", [p.title for p in programmes.programmes]),
        "C": ("Maatregel", measures),
    }
    for letter, (title, values) in columns.items():
        lists[f"{letter}1"] = title
        for i, value in enumerate(values, start=2):
            set_text(lists[f"{letter}{i}"], value)  # a name is text, never a formula
    lists["E1"], lists["F1"], lists["G1"], lists["H1"], lists["I1"] = (
        "Programma",
        "Maatregel",
        "Eenheid",
        "Niveau",
        "Toegestane waarden",
    )
    row = 2
    unit_text = {"count": "aantal", "count_with_denominator": "aantal + noemer", "status": "status"}
    for p in programmes.programmes:
        for m in p.measures:
            for letter, value in zip("EFGHI", (p.title, m.title, unit_text[m.unit], m.level, ", ".join(m.values))):
                set_text(lists[f"{letter}{row}"], value)
            row += 1
    for letter, (title, values) in columns.items():
        target = {"A": "A", "B": "C", "C": "D"}[letter]
        validation = DataValidation(
            type="list",
            formula1=f"=Keuzelijsten!${letter}$2:${letter}${len(values) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Ongeldige waarde",
            error=f"Kies een {title.lower()} uit de lijst.",
        )
        validation.add(f"{target}2:{target}{ROWS_WITH_LISTS}")
        sheet.add_data_validation(validation)

    notes = workbook.create_sheet("Toelichting", 0)
    lines = [
        f"Registraties Trendbreuk {region.name}",
        "",
        f"Vul per regel in blad '{SHEET}' één registratie in:",
        "- Gebied: de gemeente (of de subregio of de regio, als de maatregel op dat niveau wordt bijgehouden; zie "
        "blad 'Keuzelijsten', kolom Niveau).",
        "- Periode: een jaar (2024) of een kwartaal (2024-K2). Geen toekomstige perioden.",
        "- Programma en Maatregel: kies uit de lijst. Welke maatregelen bij een programma horen staat in blad "
        "'Keuzelijsten'.",
        "- Waarde: een aantal (geheel getal, 0 of meer), of bij een status een van de toegestane waarden "
        "(bijvoorbeeld volledig, deels).",
        "- Noemer: alleen bij maatregelen met 'aantal + noemer' (bijvoorbeeld het totale aantal scholen).",
        "- Opmerking: vrij veld.",
        "",
        "Eén regel per gebied, periode, programma en maatregel: dubbele regels worden geweigerd.",
        "Controleer het bestand voordat u het deelt: trendbreuk check registrations BESTAND.xlsx",
        "",
        "Let op: deze aantallen gaan over weinig, herkenbare gezinnen. Deel dit bestand alleen met de onderzoekers "
        "van de Academische Werkplaats; rapporten tonen aantallen onder de "
        f"{programmes.disclosure_threshold} als '<{programmes.disclosure_threshold}'.",
    ]
    for number, line in enumerate(lines, start=1):
        set_text(notes[f"A{number}"], line)
    notes["A1"].font = Font(bold=True, size=14)
    notes.column_dimensions["A"].width = 120
    lists.sheet_state = "visible"
    workbook.active = 1
    return workbook


def write_template(
    path: Path, regions: RegionsConfig, programmes: ProgrammeCatalogue, region_key: str | None = None
) -> Path:
    workbook = build_template(regions, programmes, region_key)
    with io.atomic_path(Path(path)) as tmp:
        workbook.save(tmp)
    return Path(path)
