"""Trendbreuk monitoring workbook."""
__version__ = "0.1.0"
