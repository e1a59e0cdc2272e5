"""Readers (and, later, fetchers) for every data provider. Each returns tidy long rows that keep codes."""
