"""What every app shares: typed errors with stable codes, API helpers, validators.

This package sits below all apps and imports none of them (nor the configuration package).
"""
