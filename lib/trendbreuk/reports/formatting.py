"""Dutch number formatting moved to `trendbreuk.formatting`, a foundation that charts and indicators use too; this
name keeps working for notebooks that import it from here."""

from trendbreuk.formatting import (LOCALE, MISSING, difference, dutch_date, dutch_datetime, gap_unit,  # noqa: F401
                                   number, percentage, share, value_with_unit)
