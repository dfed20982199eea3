"""Award integrity signals for HR: the nightly scan, the flags' plain-language reasons, HR's
review (dismiss with a note, or reverse awards through the ledger), pages and API.
The detectors themselves are pure functions in `insights.analysis.integrity`."""
