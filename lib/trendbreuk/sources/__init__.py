"""Readers and fetchers for every data provider (CBS StatLine, Perined, Waar staat je gemeente, programme
registrations). Each returns tidy long rows that keep codes."""
