"""Synthetic histories for tests and benchmarks (deterministic from a seed); not part of the app.

- `policies` generates wallet histories of people who behave as the original HR described them,
  with noise; `writer` writes them into the ledger in bulk through the ledger's and the market's
  bulk services. Tests use them to measure how well the segments recover who is who; the insights
  benchmark uses them to build a realistic population fast.
- `history` generates a realistic history in the import's CSV format (the history import's tests
  and benchmark).

They live here, and `benchmarks/` imports them from here: tests are their main users, neither
`tests/` nor `benchmarks/` ships in the image (.dockerignore), and both run from the repository
root, so one copy serves both without a package of its own at the top level.
"""
