"""Signals of the insights app."""

from django.dispatch import Signal

history_imported = Signal()
"""Sent after a history import commits (kwargs: `rows`, the number of rows imported), so that
derived figures such as segments are recomputed."""
