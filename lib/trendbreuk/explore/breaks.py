"""Is the trend breaking? `wb.trend_break(...)` in Jupyter: the estimates of a segmented regression of a gap or a
value, the sentence the reports print and the chart (indicators/segmented.py does the statistics)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from markupsafe import Markup

from trendbreuk import formatting as fmt
from trendbreuk.explore.results import TERMS_DUTCH, NotFound, as_result
from trendbreuk.indicators.catalogue import Indicator


@dataclass
class TrendBreak:
    """The interrupted time series of one gap: `category` (zichtbaar, onveranderd, verslechterd, te_weinig), the
    plain `sentence` of the reports, `estimates` (level and slope before, change in level and in slope, each with
    its 95% interval), `chart()` and the full `result`. In Jupyter it shows the sentence, the chart and the table."""

    indicator: Indicator
    rows: pd.DataFrame
    result: dict
    area_name: str
    benchmark_name: str
    of: str = "achterstand"

    @property
    def category(self) -> str:
        return self.result["category"]

    @property
    def sentence(self) -> str:
        from trendbreuk.indicators.segmented import CATEGORIES
        from trendbreuk.reports.breaks import break_sentence

        if self.of == "achterstand" or self.category == "te_weinig":
            return break_sentence(self.result, self.indicator, self.area_name, self.benchmark_name)
        r, start = self.result, self.result["start"]
        if self.result["fit"].family == "counts":  # slopes of the log rate: relative change a year

            def per_year(b):
                return f"{fmt.number(100 * (np.exp(b) - 1), 1)}% per jaar"
        else:

            def per_year(b):
                return f"{fmt.difference(b, self.indicator.unit, self.indicator.decimals + 1)} per jaar"

        label = CATEGORIES[self.category]
        return (
            f"{label[0].upper() + label[1:]} in de waarde van {self.area_name} zelf: vóór {start} "
            f"{per_year(r['slope'])}, sinds {start} {per_year(r['slope_after'])}; verandering "
            f"{per_year(r['slope_change'])} (marge {per_year(r['slope_change_lower'])} tot "
            f"{per_year(r['slope_change_upper'])})."
        )

    @property
    def estimates(self) -> pd.DataFrame:
        fit = self.result.get("fit")
        if fit is None:
            return as_result(
                pd.DataFrame(columns=["term", "estimate", "lower", "upper"]), self.sentence, dutch=False, polars=False
            )
        table = fit.estimates[["term", "estimate", "se", "lower", "upper", "p_value"]].assign(
            meaning=lambda t: t["term"].map(TERMS_DUTCH)
        )
        return as_result(
            table,
            f"{self.indicator.title}, {self.area_name}: {self.sentence} ({fit.covariance})",
            dutch=False,
            polars=False,
        )

    def chart(self):
        """The chart of the reports: measured gaps, the course before and since, the course before continued."""
        from trendbreuk.charts.trend import figure_break
        from trendbreuk.indicators.segmented import CATEGORIES, usable_points

        fit = self.result.get("fit")
        if fit is None:
            raise NotFound(self.sentence)
        start = self.result["start"]
        if self.of == "waarde":
            points = self.rows.rename(columns={"value": "gap", "lower_ci": "gap_lower", "upper_ci": "gap_upper"})
        else:
            points = usable_points(self.rows, self.indicator)
        course = fit.course_line(points["t"].min(), points["t"].max())
        if fit.family == "counts":  # rates per person: on the indicator's scale
            scale = ["fitted", "counterfactual", "counterfactual_lower", "counterfactual_upper"]
            course[scale] = course[scale] * self.indicator.multiplier
        return figure_break(
            points,
            course,
            title=f"{self.indicator.title}: {self.of} van {self.area_name} "
            f"vóór en sinds {start}<br><sup>{CATEGORIES[self.category]}</sup>",
            unit=self.indicator.unit,
            area_label=self.area_name,
            benchmark_label=self.benchmark_name,
            start=start,
            decimals=self.indicator.decimals,
            measure=self.of,
        )

    def _repr_html_(self) -> str:
        parts = [
            str(
                Markup("<p><strong>{}, {}</strong>: {}</p>").format(self.indicator.title, self.area_name, self.sentence)
            )
        ]
        if self.result.get("fit") is not None:
            parts.append(self.chart().to_plotly()._repr_html_())
            parts.append(pd.DataFrame(self.estimates).round(4)._repr_html_())
        return "".join(parts)

    def __repr__(self) -> str:
        return f"<TrendBreak {self.indicator.id} {self.area_name}: {self.category}> {self.sentence}"
