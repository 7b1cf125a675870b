"""The version of the conditions générales a registration accepted."""

# Bump when templates/main/terms_text.html changes: registrations record what they accepted.
TERMS_VERSION = "2026-11"
