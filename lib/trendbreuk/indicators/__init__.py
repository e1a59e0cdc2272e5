"""Indicators: the catalogue, one module per statistic, aggregation over areas, gap and target path."""
