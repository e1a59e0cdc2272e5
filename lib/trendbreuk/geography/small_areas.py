"""Wijken and buurten, CBS's areas below the gemeente, and the focus areas a region makes of them (a Pluswijk: one
or more wijken or buurten, in config/regions.yaml), with the same look-ups by code or name as for gemeenten.

Codes: a wijk is WK + gemeente (4 digits) + wijk (2), a buurt BU + gemeente (4) + wijk (2) + buurt (2), so every
wijk and buurt belongs to the gemeente in its code, and through it to a subregio and region. Names come from CBS's
own code list (the WijkenEnBuurten dimension of the Kerncijfers wijken en buurten), which calls a wijk
"Wijk 10 Maria Gewanden en Terschuren": the workbook shows "Maria Gewanden en Terschuren".

Wijk and buurt codes and boundaries change almost every year; which areas are the same as the year before is
said by the tables' own flag (see indicators.small_areas), not guessed here.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

# the codes, and the focus areas of config/regions.yaml, are read with the regions (geography.areas)
from trendbreuk.geography.areas import (  # noqa: F401
    SMALL_AREA_LEVELS,
    AreaLookupError,
    FocusArea,
    gemeente_of,
    level_of,
    name_key,
    slugify,
    wijk_of,
)


@dataclass(frozen=True)
class SmallArea:
    code: str
    name: str

    @property
    def level(self) -> str:
        return level_of(self.code) or ""

    @property
    def gemeente_code(self) -> str:
        return gemeente_of(self.code)

    @property
    def slug(self) -> str:
        return slugify(self.name)


def wijk_name(title: str) -> str:
    """CBS's title of a wijk without its number: 'Wijk 10 Maria Gewanden en Terschuren' -> 'Maria Gewanden en
    Terschuren' (buurt titles are kept as they are)."""
    text = " ".join(str(title).split())
    match = re.fullmatch(r"Wijk \d+ (.+)", text)
    return match[1] if match else text


@dataclass(frozen=True)
class SmallAreaRegister:
    """The wijken and buurten known from CBS code lists, by code."""

    areas: dict[str, SmallArea]

    @classmethod
    def from_code_list(cls, codes: list[dict]) -> SmallAreaRegister:
        """From a WijkenEnBuurten code list as CBS sends it ({Key, Title, ...}); gemeenten and Nederland left out."""
        areas = {}
        for entry in codes:
            code = str(entry.get("Key") or entry.get("Identifier") or "").strip()
            if level_of(code):
                areas[code] = SmallArea(code, wijk_name(entry.get("Title") or code))
        return cls(areas)

    def merged(self, newer: SmallAreaRegister) -> SmallAreaRegister:
        """This register with the areas and names of a newer year's code list on top."""
        return SmallAreaRegister({**self.areas, **newer.areas})

    def of_gemeente(self, gemeente_code: str, level: str = "wijk") -> list[SmallArea]:
        return sorted(
            (a for a in self.areas.values() if a.gemeente_code == gemeente_code and a.level == level),
            key=lambda a: a.code,
        )

    def name(self, code: str) -> str:
        area = self.areas.get(code)
        return area.name if area else code

    def find(self, text: str, gemeenten: dict[str, str] | None = None) -> SmallArea:
        """A wijk or buurt by code (WK091710, wk091710) or by name ('Heerlen-Centrum'; 'Heerlen: Heerlen-Centrum'
        when the name occurs in more than one gemeente). `gemeenten` maps gemeente codes to names, for the prefix
        and for the messages."""
        gemeenten = gemeenten or {}
        text = str(text).strip()
        code = text.upper()
        if level_of(code):
            if code in self.areas:
                return self.areas[code]
            raise AreaLookupError(f"wijk or buurt code {code} is not in CBS's code list of the fetched tables")
        where, _, name = text.rpartition(":")
        candidates = list(self.areas.values())
        if where:
            wanted_gemeente = name_key(where)
            codes = {c for c, n in gemeenten.items() if name_key(n) == wanted_gemeente or c == where.strip().upper()}
            if not codes:
                raise AreaLookupError(f"'{where.strip()}' is not a configured gemeente")
            candidates = [a for a in candidates if a.gemeente_code in codes]
        wanted = name_key(name)
        exact = [a for a in candidates if name_key(a.name) == wanted]
        wijken = [a for a in exact if a.level == "wijk"]
        if len(exact) == 1 or len(wijken) == 1:
            return exact[0] if len(exact) == 1 else wijken[0]
        label = lambda a: f"{gemeenten.get(a.gemeente_code, a.gemeente_code)}: {a.name} ({a.code}, {a.level})"
        if exact:
            raise AreaLookupError(
                f"'{text}' is the name of {len(exact)} areas: "
                + "; ".join(map(label, exact[:8]))
                + "; give the code or 'gemeente: naam'"
            )
        keys = {name_key(a.name): a for a in candidates}
        close = [keys[k] for k in difflib.get_close_matches(wanted, list(keys), n=4, cutoff=0.6)]
        raise AreaLookupError(
            f"'{text}' is not a wijk or buurt in CBS's code list; closest matches: "
            + ("; ".join(map(label, close)) or "none")
        )
