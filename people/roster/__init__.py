"""Roster sync from the HR system: parse, plan (the preview), apply."""
