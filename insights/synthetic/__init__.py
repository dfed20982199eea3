"""Synthetic wallet histories of people who behave as the original HR described them, with noise.

`policies` generates the histories (pure, deterministic from a seed); `writer` writes them into
the ledger in bulk. Tests use them to measure how well the segments recover who is who, and the
benchmark uses them to build a realistic population fast.
"""
