"""The shared core: what more than one feature uses, written once.

Blueprints (`web/<feature>/`) and the mailer import it; it imports no blueprint and no
mailer module (the contracts in pyproject.toml, checked by `make lint`).
"""
