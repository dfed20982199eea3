"""Pure computation of HR insights from the ledger: load set-based, compute in Python.

`loading` reads the whole population in a few queries; `features` turns one person's wallet
history into the numbers behind a segment; `rules` places a person in a segment; `economy`
and `fairness` build the company-level figures. Nothing here writes.
"""
