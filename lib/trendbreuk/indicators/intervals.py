"""An indicator's statistic with its 95% interval and the stricter 99.8% interval that the comparison with the
benchmark uses: for counts by the indicator's statistic (Wilson for proportions, Byar for rates), for survey
estimates from the margins the source publishes."""

from __future__ import annotations

import pandas as pd

from trendbreuk.indicators.catalogue import Indicator
from trendbreuk.indicators.proportions import calculate_proportion
from trendbreuk.indicators.rates import calculate_rate
from trendbreuk.indicators.survey import se_from_interval

STATISTIC_FUNCTIONS = {"proportion": calculate_proportion, "rate": calculate_rate}


def intervals_for(frame: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    """The indicator's statistic with its 95% interval, plus the 99.8% interval for the benchmark comparison."""
    calculate = STATISTIC_FUNCTIONS[indicator.statistic]
    values = calculate(frame, multiplier=indicator.multiplier)
    strict = calculate(frame, multiplier=indicator.multiplier, confidence=0.998)
    values["lower_ci_998"], values["upper_ci_998"] = strict["lower_ci"], strict["upper_ci"]
    return values


def survey_intervals(values: pd.DataFrame) -> pd.DataFrame:
    """Survey estimates with the 99.8% interval added, from the standard error their 95% margins imply."""
    from scipy.stats import norm

    se = se_from_interval(values["lower_ci"], values["upper_ci"])
    values["lower_ci_998"] = values["value"] - norm.ppf(0.999) * se
    values["upper_ci_998"] = values["value"] + norm.ppf(0.999) * se
    return values
