"""Dutch number formatting moved to `trendbreuk.formatting`, a foundation that charts and indicators use too; this
name keeps working for notebooks that import it from here."""

from trendbreuk.formatting import (  # noqa: F401
    LOCALE,
    MISSING,
    difference,
    dutch_date,
    dutch_datetime,
    gap_unit,
    number,
    percentage,
    share,
    value_with_unit,
)
