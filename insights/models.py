"""Models of HR insights."""
