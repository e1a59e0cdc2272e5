"""Areas as configuration: regions, subregio's and gemeenten, and look-ups by code or name."""

from trendbreuk.geography.areas import (
    AreaLookupError,
    Gemeente,
    Region,
    RegionsConfig,
    Subregio,
    load_regions,
    normalise_gemeente_code,
)

__all__ = [
    "AreaLookupError",
    "Gemeente",
    "Region",
    "RegionsConfig",
    "Subregio",
    "load_regions",
    "normalise_gemeente_code",
]
