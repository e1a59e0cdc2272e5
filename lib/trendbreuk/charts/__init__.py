"""Charts: functions `figure_*(data, ...) -> plotly Figure`. No loading, no saving."""

from trendbreuk.charts.trend import COLOURS, figure_gap, figure_trend

__all__ = ["COLOURS", "figure_gap", "figure_trend"]
