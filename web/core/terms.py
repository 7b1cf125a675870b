"""The version of the conditions générales a registration accepted."""

# Bump when templates/main/terms_text.html (or its translation, terms_text.en.html) changes:
# registrations record what they accepted. 2026-11b: the language cookie (article 6).
TERMS_VERSION = "2026-11b"
