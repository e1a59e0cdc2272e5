"""Finding the area a row of a portal export is about, by code or by name (the way each portal writes it), with
the gemeenten of the configuration and of CBS's own code list; a name or code that is not found becomes a problem
that names the row and suggests the closest match."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from trendbreuk.geography.areas import AreaLookupError, RegionsConfig, name_key, normalise_gemeente_code
from trendbreuk.geography.lineage import GemeenteRegister

if TYPE_CHECKING:
    from trendbreuk.sources.exports import ExportLayout

TOTAL_NAMES = ("totaal", "total", "alle gemeenten")  # rows of an export that sum its gemeenten


@dataclass(frozen=True)
class Area:
    kind: str  # gemeente | national | outside | aggregate
    code: str | None
    loose: bool = False  # matched ignoring case, accents or a qualifier


class AreaIndex:
    """Places a row's gemeente code or name: a configured gemeente (or a predecessor, harmonised later), Nederland,
    a gemeente outside the regions, a total or regional row, or a problem."""

    def __init__(self, regions: RegionsConfig, register: GemeenteRegister | None, layout: ExportLayout):
        self.register = register
        self.members = {g.code: g for r in regions.regions.values() for g in r.gemeenten}
        self.national = {name_key(n) for n in layout.national_names} | {"nederland"}
        self.aggregates = {name_key(n) for n in TOTAL_NAMES}
        for region in regions.regions.values():
            self.aggregates |= {name_key(region.name), name_key(region.code)}
            self.aggregates |= {name_key(s.name) for s in region.subregios}
        self.region_names = {name_key(r.name): r for r in regions.regions.values()}
        self.places: dict[tuple[str, str], Area | str] = {}  # an export names each area once per indicator and period

    def by_code(self, raw: str) -> Area | str:
        return self._remembered("code", raw, self._by_code)

    def by_name(self, raw: str) -> Area | str:
        return self._remembered("name", raw, self._by_name)

    def _remembered(self, kind: str, raw: str, place) -> Area | str:
        key = (kind, str(raw))
        if key not in self.places:
            self.places[key] = place(raw)
        return self.places[key]

    def _by_code(self, raw: str) -> Area | str:
        text = str(raw).strip()
        upper = text.upper()
        if upper.startswith("NL"):
            return Area("national", "NL01")
        if re.fullmatch(r"(PV|LD|CR|GG|RE|VR|JZ|AM)\d{2,4}", upper):
            return Area("aggregate", upper)
        try:
            code = normalise_gemeente_code(text)
        except AreaLookupError:
            return f"'{text}' is geen gemeentecode (verwacht GM en 4 cijfers, bijvoorbeeld GM0935)"
        if code in self.members:
            return Area("gemeente", code)
        if self.register is None:
            return Area("outside", code)
        if code not in self.register.names:
            return f"gemeentecode {code} bestaat niet volgens CBS' codelijst"
        if code in self.register.dissolved:
            return Area("gemeente", code)  # a predecessor: harmonised to today's gemeenten with the CBS lineage
        return Area("outside", code)

    def _by_name(self, raw: str) -> Area | str:
        text = str(raw).strip()
        key = name_key(text)
        if not key:
            return "leeg gebied"
        if key in self.national:
            return Area("national", "NL01")
        if key in self.aggregates:
            return Area("aggregate", text)
        exact = [g.code for g in self.members.values() if g.name == text]
        if exact:
            return Area("gemeente", exact[0])
        loose = [g.code for g in self.members.values() if name_key(g.name) == key]
        if len(loose) == 1 and (self.register is None or len(self.register.by_name(text)) <= 1):
            return Area("gemeente", loose[0], loose=True)
        if self.register is None:
            if len(loose) > 1:
                return f"dubbelzinnige naam: past bij {', '.join(self.members[c].name for c in loose)}"
            return Area("outside", None)
        found = self.register.by_name(text)
        if len(found) > 1:
            return (
                f"dubbelzinnige naam: past bij {', '.join(f'{self.register.names[c]} ({c})' for c in found)}; "
                "gebruik de volledige CBS-naam of een export met gemeentecodes"
            )
        if not found:
            options = {
                name_key(n): n for n in [*(g.name for g in self.members.values()), *self.register.names.values()]
            }
            close = difflib.get_close_matches(key, list(options), n=3, cutoff=0.6)
            return f"onbekende gemeente; dichtstbijzijnd: {', '.join(options[c] for c in close) or 'geen'}"
        code = found[0]
        loose = self.register.names[code] != text
        if code in self.members or code in self.register.dissolved:
            return Area("gemeente", code, loose=loose)
        return Area("outside", code, loose=loose)


def area_text(cell: dict) -> str:
    return str(cell.get("area_name") or cell.get("area_code") or "").strip()


def area_label(code: str, regions: RegionsConfig, register: GemeenteRegister | None) -> str:
    for region in regions.regions.values():
        for g in region.gemeenten:
            if g.code == code:
                return f"{g.name} ({code})"
    return f"{register.names.get(code, code)} ({code})" if register else code


def place_of(cell: dict, needed: dict, areas: AreaIndex, problem) -> Area | None:
    """The area of a row, or None after reporting why it cannot be placed."""
    by_code = (
        areas.by_code(cell["area_code"]) if "area_code" in needed and str(cell.get("area_code") or "").strip() else None
    )
    by_name = (
        areas.by_name(cell["area_name"]) if "area_name" in needed and str(cell.get("area_name") or "").strip() else None
    )
    if by_code is None and by_name is None:
        problem("area_code" if "area_code" in needed else "area_name", None, "geen gebied ingevuld")
        return None
    if isinstance(by_code, str):
        problem("area_code", cell.get("area_code"), by_code)
        return None
    if by_code is not None:
        named = isinstance(by_name, Area) and by_name.kind in ("gemeente", "outside", "national") and by_name.code
        if named and by_name.code != by_code.code:
            problem(
                "area_name",
                cell.get("area_name"),
                f"de naam hoort bij {by_name.code}, maar de code in kolom '{needed['area_code']}' is {by_code.code}",
            )
            return None
        if isinstance(by_name, str) and by_name.startswith("onbekende gemeente") and by_code.kind == "gemeente":
            problem("area_name", cell.get("area_name"), f"de naam past niet bij code {by_code.code}: {by_name}")
            return None
        return by_code
    if isinstance(by_name, str):
        problem("area_name", cell.get("area_name"), by_name)
        return None
    return by_name
