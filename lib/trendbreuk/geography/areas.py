"""Regions, subregio's and gemeenten from `config/regions.yaml`, with forgiving look-ups.

Nothing here knows about Zuid-Limburg: every region is configuration.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from trendbreuk import io

GEMEENTE_CODE = re.compile(r"^GM\d{4}$")
LEVELS = ("gemeente", "subregio", "regio", "nederland", "rest_nl", "wijk", "buurt", "focus")


class AreaLookupError(LookupError):
    """An area code or name that is unknown or ambiguous; the message lists the closest matches."""


class RegionsConfigError(ValueError):
    """config/regions.yaml is malformed; the message names the entry at fault."""


# Wijken and buurten (see geography.small_areas) ------------------------------------------------------

WIJK_CODE = re.compile(r"^WK\d{6}$")
BUURT_CODE = re.compile(r"^BU\d{8}$")
SMALL_AREA_LEVELS = ("wijk", "buurt", "focus")


def level_of(code: str) -> str | None:
    """'wijk' for WK + 6 digits, 'buurt' for BU + 8 digits, else None."""
    code = str(code).strip().upper()
    if WIJK_CODE.match(code):
        return "wijk"
    if BUURT_CODE.match(code):
        return "buurt"
    return None


def gemeente_of(code: str) -> str:
    """The gemeente a wijk or buurt code belongs to: WK091710 and BU09171000 -> GM0917."""
    code = str(code).strip().upper()
    if level_of(code) is None:
        raise AreaLookupError(f"'{code}' is not a wijk or buurt code (WK + 6 digits, BU + 8 digits, e.g. WK091710)")
    return "GM" + code[2:6]


def gemeenten_of(codes):
    """gemeente_of for a whole column of wijk and buurt codes (a pandas Series of valid codes), without a Python
    call per row."""
    return "GM" + codes.str.slice(2, 6)


def wijken_of(codes):
    """wijk_of for a whole column of wijk and buurt codes (a pandas Series of valid codes)."""
    return "WK" + codes.str.slice(2, 8)


def wijk_of(code: str) -> str:
    """The wijk a buurt belongs to (BU09171000 -> WK091710); a wijk code is its own wijk."""
    code = str(code).strip().upper()
    if level_of(code) is None:
        raise AreaLookupError(f"'{code}' is not a wijk or buurt code")
    return "WK" + code[2:8]


@dataclass(frozen=True)
class FocusArea:
    """A named area of a region made of wijken or buurten (config/regions.yaml, focus_areas)."""

    name: str
    region_key: str
    codes: tuple[str, ...]
    note: str = ""

    @property
    def code(self) -> str:
        """A code for tables and file names: FA- and the slug of the name (FA-pluswijk-hoensbroek)."""
        return f"FA-{self.slug}"

    @property
    def slug(self) -> str:
        return slugify(self.name)

    @property
    def level(self) -> str:
        return "focus"

    @property
    def gemeente_codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(gemeente_of(c) for c in self.codes))


@dataclass(frozen=True)
class Gemeente:
    code: str
    name: str
    subregio_code: str
    tile: tuple[int, int] | None = None

    @property
    def slug(self) -> str:
        return slugify(self.name)


@dataclass(frozen=True)
class Subregio:
    code: str
    name: str
    gemeenten: tuple[Gemeente, ...]

    @property
    def slug(self) -> str:
        return slugify(self.name)


@dataclass(frozen=True)
class Region:
    key: str
    code: str
    name: str
    subregios: tuple[Subregio, ...]
    source_note: str = ""
    focus_areas: tuple[FocusArea, ...] = ()

    @property
    def gemeenten(self) -> tuple[Gemeente, ...]:
        return tuple(g for s in self.subregios for g in s.gemeenten)

    @property
    def slug(self) -> str:
        return slugify(self.name)

    def subregio_of(self, gemeente_code: str) -> Subregio:
        code = normalise_gemeente_code(gemeente_code)
        for subregio in self.subregios:
            if any(g.code == code for g in subregio.gemeenten):
                return subregio
        raise AreaLookupError(f"gemeente {code} is not part of region {self.name}")

    def gemeente(self, code_or_name: str) -> Gemeente:
        """Find a gemeente of this region by CBS code (GM0935, 'GM0935    ', 0935) or by name.

        Names forgive case, accents, and official variants such as 'Beek (L.)' or 'Valkenburg a/d Geul'.
        """
        text = str(code_or_name).strip()
        if not text:
            raise AreaLookupError("empty gemeente name or code")
        code = _as_code(text)
        if code is not None:
            for g in self.gemeenten:
                if g.code == code:
                    return g
            raise AreaLookupError(
                f"gemeente code {code} is not part of region {self.name}; "
                f"known codes: {', '.join(g.code for g in self.gemeenten)}"
            )
        wanted = name_key(text)
        exact = [g for g in self.gemeenten if name_key(g.name) == wanted]
        if len(exact) == 1:
            return exact[0]
        prefix = [g for g in self.gemeenten if name_key(g.name).startswith(wanted)]
        if len(prefix) == 1:
            return prefix[0]
        keys = {name_key(g.name): g for g in self.gemeenten}
        close = difflib.get_close_matches(wanted, list(keys), n=3, cutoff=0.6)
        candidates = prefix or [keys[k] for k in close]
        hint = ", ".join(f"{g.name} ({g.code})" for g in candidates) or "none"
        problem = "is ambiguous" if len(prefix) > 1 else "is not a gemeente of"
        raise AreaLookupError(f"'{text}' {problem} region {self.name}; closest matches: {hint}")

    def focus_area(self, code_or_name: str) -> FocusArea:
        """A focus area of this region by name ('Pluswijk Hoensbroek'), slug or code (FA-pluswijk-hoensbroek)."""
        wanted = name_key(str(code_or_name).removeprefix("FA-"))
        for area in self.focus_areas:
            if wanted in (name_key(area.name), name_key(area.slug)):
                return area
        options = "; ".join(area.name for area in self.focus_areas) or "none (focus_areas in config/regions.yaml)"
        raise AreaLookupError(f"'{code_or_name}' is not a focus area of {self.name}; configured: {options}")

    def subregio(self, code_or_name: str) -> Subregio:
        wanted = name_key(str(code_or_name))
        for s in self.subregios:
            if wanted in (name_key(s.code), name_key(s.name), s.slug):
                return s
        options = ", ".join(f"{s.name} ({s.code})" for s in self.subregios)
        raise AreaLookupError(f"'{code_or_name}' is not a subregio of {self.name}; choose one of: {options}")


@dataclass(frozen=True)
class RegionsConfig:
    regions: dict[str, Region]
    default_region: str
    benchmarks: dict[str, str]
    default_benchmark: str
    baseline_year: int
    target_year: int
    target_share_closed: float
    indeling_year: int | None = None
    path: Path | None = field(default=None, compare=False)

    def region(self, key: str | None = None) -> Region:
        key = key or self.default_region
        wanted = name_key(key)
        for region in self.regions.values():
            if wanted in (name_key(region.key), name_key(region.code), name_key(region.name)):
                return region
        raise AreaLookupError(f"unknown region '{key}'; configured: {', '.join(self.regions)}")

    def locate_gemeente(self, code_or_name: str, region_key: str | None = None) -> tuple[Region, Gemeente]:
        """The region and gemeente for a code or name: in `region_key` when given, else in whichever configured
        region has it (the default region first). Unknown everywhere: the default region's error, with its
        closest matches."""
        if region_key:
            region = self.region(region_key)
            return region, region.gemeente(code_or_name)
        default = self.region()
        ordered = [default] + [r for r in self.regions.values() if r is not default]
        for region in ordered:
            try:
                return region, region.gemeente(code_or_name)
            except AreaLookupError:
                continue
        return default, default.gemeente(code_or_name)  # raises, naming the closest matches

    def find_region_of(self, gemeente_code: str) -> Region:
        code = normalise_gemeente_code(gemeente_code)
        for region in self.regions.values():
            if any(g.code == code for g in region.gemeenten):
                return region
        raise AreaLookupError(f"gemeente {code} is in none of the configured regions")


def normalise_gemeente_code(value: object) -> str:
    """Return a CBS gemeente code as 'GM' + 4 digits from 'GM0935', 'gm0935', 'GM0935    ', '0935' or 935."""
    code = _as_code(str(value).strip())
    if code is None:
        raise AreaLookupError(f"'{value}' is not a gemeente code (expected GM followed by 4 digits, e.g. GM0935)")
    return code


def _as_code(text: str) -> str | None:
    text = text.strip().upper()
    if re.fullmatch(r"GM\d{4}", text):
        return text
    if re.fullmatch(r"\d{1,4}", text):
        return f"GM{int(text):04d}"
    return None


def name_key(name: str) -> str:
    """A comparison key for gemeente names: no accents, lower case, official variants folded."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii").lower().strip()
    text = re.sub(r"\((l|lb|li|limburg)\.?\)", "", text)  # 'Beek (L.)' -> 'beek'
    text = re.sub(r"\ba/d\b", "aan de", text)
    text = re.sub(r"\ba/h\b", "aan het", text)
    text = text.replace("-", " ").replace("'", "")
    return re.sub(r"\s+", " ", text).strip()


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name_key(name)).strip("-")


REGION_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")  # zuid-limburg: part of commands, never of a path
AREA_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]{0,15}$")  # ZL, PS, VR01S: part of report file names
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def check_code(value, pattern: re.Pattern, where: str, what: str) -> str:
    """A code from a configuration file or area list, as text, if it matches `pattern`; else an error that names
    the file and field. Codes become parts of file names: no '/', '..' or spaces get in."""
    text = str(value if value is not None else "").strip()
    if not pattern.match(text):
        raise RegionsConfigError(
            f"{where}: {what} '{text}' is not a valid code (letters, digits"
            + (", '-'" if pattern is REGION_KEY else ", '_'")
            + "; no '/', '.' or spaces)"
        )
    return text


def check_name(value, where: str, what: str = "name") -> str:
    """A name as text: present, at most 120 characters, no control characters (a name may hold any other
    character: every report escapes it)."""
    if value is None or not str(value).strip():
        raise RegionsConfigError(f"{where}: no {what}; give one ({what}: ...)")
    text = str(value).strip()
    if CONTROL.search(text) or len(text) > 120:
        raise RegionsConfigError(
            f"{where}: {what} {text[:40]!r} has control characters or is longer than 120 characters"
        )
    return text


def _mapping(value, where: str, what: str) -> dict:
    if not isinstance(value, dict):
        raise RegionsConfigError(
            f"{where}: {what} should be a mapping (key: value lines), not "
            f"{'nothing' if value is None else type(value).__name__}"
        )
    return value


def _number(raw: dict, field: str, default, kind, where: str):
    value = raw.get(field, default)
    if value is None:
        return None
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise RegionsConfigError(
            f"{where}: {field} '{value}' is not a {'whole ' if kind is int else ''}number"
        ) from None


def load_regions(path: Path) -> RegionsConfig:
    """Read and check config/regions.yaml: every mistake is a RegionsConfigError that names the file and the
    field (a code that is no code, a missing name, a list where a mapping belongs, a non-number year)."""
    path = Path(path)
    try:
        raw = io.read_config(path, RegionsConfigError, "regions configuration")
    except FileNotFoundError as err:
        raise RegionsConfigError(f"{path} not found: the workbook needs its regions configuration") from err
    regions: dict[str, Region] = {}
    seen: dict[str, str] = {}
    area_codes: dict[str, str] = {}
    for key, spec in _mapping(raw.get("regions") or {}, str(path), "regions").items():
        key = check_code(key, REGION_KEY, f"{path}: regions", "region key")
        where = f"{path}: region {key}"
        spec = _mapping(spec, where, "the region")
        subregios = []
        for number, s in enumerate(spec.get("subregios") or [], start=1):
            s = _mapping(s, f"{where}, subregio {number}", "a subregio")
            s_code = check_code(s.get("code"), AREA_CODE, f"{where}, subregio {number}", "code")
            s_where = f"{where}, subregio {s_code}"
            s_name = check_name(s.get("name"), s_where)
            gemeenten = []
            for g_number, g in enumerate(s.get("gemeenten") or [], start=1):
                g = _mapping(g, f"{s_where}, gemeente {g_number}", "a gemeente")
                code = str(g.get("code", "")).strip()
                if not GEMEENTE_CODE.match(code):
                    raise RegionsConfigError(f"{s_where}, gemeente {g_number}: bad code '{code}' (GM + 4 digits)")
                if code in seen:
                    raise RegionsConfigError(f"{path}: {code} appears twice (in {seen[code]} and {key})")
                seen[code] = key
                name = check_name(g.get("name"), f"{s_where}, gemeente {code}")
                tile = g.get("tile")
                if tile is not None and not (
                    isinstance(tile, (list, tuple))
                    and len(tile) == 2
                    and all(isinstance(t, (int, float)) for t in tile)
                ):
                    raise RegionsConfigError(f"{s_where}, gemeente {code}: tile should be [column, row], not {tile!r}")
                gemeenten.append(
                    Gemeente(code=code, name=name, subregio_code=s_code, tile=tuple(tile) if tile is not None else None)
                )
            if not gemeenten:
                raise RegionsConfigError(f"{s_where} has no gemeenten")
            subregios.append(Subregio(code=s_code, name=s_name, gemeenten=tuple(gemeenten)))
        if not subregios:
            raise RegionsConfigError(f"{where} has no subregio's")
        r_code = check_code(spec.get("code"), AREA_CODE, where, "code")
        for code in (r_code, *(s.code for s in subregios)):
            if code in area_codes and not (code == r_code and area_codes[code] == key):
                raise RegionsConfigError(
                    f"{where}: code {code} is also used by {area_codes[code]}: a region or "
                    "subregio code names its reports, so it must be unique"
                )
            area_codes[code] = key
        r_name = check_name(spec.get("name"), where)
        members = {g.code for s in subregios for g in s.gemeenten}
        focus = []
        for number, f in enumerate(spec.get("focus_areas") or [], start=1):
            f = _mapping(f, f"{where}, focus area {number}", "a focus area")
            f_where = f"{where}, focus area {f.get('name') or number}"
            codes = tuple(str(c).strip().upper() for c in f.get("areas") or [])
            if not f.get("name") or not codes:
                raise RegionsConfigError(f"{f_where}: give a name and the wijk or buurt codes (areas: [WK091710, ...])")
            bad = [c for c in codes if level_of(c) is None]
            if bad:
                raise RegionsConfigError(f"{f_where}: {bad} are not wijk or buurt codes (WK + 6 digits, BU + 8 digits)")
            outside = [c for c in codes if gemeente_of(c) not in members]
            if outside:
                raise RegionsConfigError(f"{f_where}: {outside} lie in gemeenten outside {r_name}")
            if len(set(codes)) < len(codes):
                raise RegionsConfigError(f"{f_where}: a code appears twice")
            focus.append(
                FocusArea(name=check_name(f["name"], f_where), region_key=key, codes=codes, note=str(f.get("note", "")))
            )
        regions[key] = Region(
            key=key,
            code=r_code,
            name=r_name,
            subregios=tuple(subregios),
            source_note=str(spec.get("source_note", "")),
            focus_areas=tuple(focus),
        )
    if not regions:
        raise RegionsConfigError(f"{path}: no regions configured (regions: with at least one region)")
    benchmarks = {}
    for number, b in enumerate(raw.get("benchmarks") or [], start=1):
        b = _mapping(b, f"{path}: benchmark {number}", "a benchmark")
        benchmarks[check_code(b.get("code"), AREA_CODE, f"{path}: benchmark {number}", "code")] = check_name(
            b.get("name"), f"{path}: benchmark {number}"
        )
    config = RegionsConfig(
        regions=regions,
        default_region=str(raw.get("default_region") or next(iter(regions))),
        benchmarks=benchmarks,
        default_benchmark=str(raw.get("default_benchmark", "rest_nl")),
        baseline_year=_number(raw, "baseline_year", 2018, int, str(path)),
        target_year=_number(raw, "target_year", 2030, int, str(path)),
        target_share_closed=_number(raw, "target_share_closed", 0.25, float, str(path)),
        indeling_year=_number(raw, "indeling_year", None, int, str(path)) if raw.get("indeling_year") else None,
        path=path,
    )
    if not 0 < config.target_share_closed <= 1:
        raise RegionsConfigError(
            f"{path}: target_share_closed {config.target_share_closed} should lie between 0 and 1 (0.25 is a quarter)"
        )
    if config.default_region not in regions:
        raise RegionsConfigError(f"{path}: default_region '{config.default_region}' is not among {list(regions)}")
    if config.default_benchmark not in benchmarks:
        raise RegionsConfigError(
            f"{path}: default_benchmark '{config.default_benchmark}' is not among {list(benchmarks)}"
        )
    return config
