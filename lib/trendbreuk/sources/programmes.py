"""The programme catalogue (config/programmes.yaml): programmes, their measures, unit, level and disclosure."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from trendbreuk import io
from trendbreuk.geography.areas import name_key

UNITS = ("count", "count_with_denominator", "status")
LEVELS = ("gemeente", "subregio", "regio")


class ProgrammeConfigError(ValueError):
    """config/programmes.yaml is malformed; the message names the programme and measure."""


@dataclass(frozen=True)
class Measure:
    id: str
    title: str
    unit: str
    level: str
    disclosure: bool = False
    values: tuple[str, ...] = ()
    reach: dict | None = None


@dataclass(frozen=True)
class Programme:
    id: str
    title: str
    life_phase: str
    measures: tuple[Measure, ...] = field(default_factory=tuple)

    def measure(self, text: str) -> Measure | None:
        wanted = name_key(text)
        return next((m for m in self.measures if wanted in (name_key(m.id), name_key(m.title))), None)


@dataclass(frozen=True)
class ProgrammeCatalogue:
    programmes: tuple[Programme, ...]
    disclosure_threshold: int

    def programme(self, text: str) -> Programme | None:
        wanted = name_key(text)
        return next((p for p in self.programmes if wanted in (name_key(p.id), name_key(p.title))), None)


def load_programmes(path: Path) -> ProgrammeCatalogue:
    """Read and check the programme catalogue (config/programmes.yaml; trendbreuk.config decides which file)."""
    path = Path(path)
    try:
        raw = io.read_config(path, ProgrammeConfigError, "programme catalogue")
    except FileNotFoundError as err:
        raise ProgrammeConfigError(f"{path} not found") from err
    programmes = []
    for number, p in enumerate(raw.get("programmes") or [], start=1):
        if not isinstance(p, dict) or not p.get("id") or not p.get("title"):
            raise ProgrammeConfigError(f"{path}: programme {number} needs an id and a title (id: ..., title: ...)")
        measures = []
        for m in p.get("measures") or []:
            where = f"{path}: programme {p.get('id')}, measure {m.get('id') if isinstance(m, dict) else m}"
            if not isinstance(m, dict) or not m.get("id") or not m.get("title"):
                raise ProgrammeConfigError(f"{where}: a measure needs an id and a title")
            if m.get("unit") not in UNITS:
                raise ProgrammeConfigError(f"{where}: unit '{m.get('unit')}' must be one of {UNITS}")
            if m.get("level") not in LEVELS:
                raise ProgrammeConfigError(f"{where}: level '{m.get('level')}' must be one of {LEVELS}")
            if m["unit"] == "status" and not m.get("values"):
                raise ProgrammeConfigError(f"{where}: a status measure needs its list of values")
            measures.append(
                Measure(
                    id=str(m["id"]),
                    title=str(m["title"]),
                    unit=m["unit"],
                    level=m["level"],
                    disclosure=bool(m.get("disclosure", False)),
                    values=tuple(str(v) for v in m.get("values") or ()),
                    reach=m.get("reach"),
                )
            )
        programmes.append(
            Programme(
                id=str(p["id"]),
                title=str(p["title"]),
                life_phase=str(p.get("life_phase", "")),
                measures=tuple(measures),
            )
        )
    ids = [p.id for p in programmes]
    if len(ids) != len(set(ids)):
        raise ProgrammeConfigError(f"{path}: a programme id appears twice")
    threshold = raw.get("disclosure_threshold", 10)
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise ProgrammeConfigError(f"{path}: disclosure_threshold '{threshold}' should be a whole number of 1 or more")
    return ProgrammeCatalogue(tuple(programmes), threshold)
