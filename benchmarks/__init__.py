"""Benchmarks: they print figures; they assert nothing about time. Run with `make bench`."""
