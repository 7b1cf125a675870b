"""The version of the conditions générales a registration accepted."""

# Bump when templates/main/terms_text.html (or its translation, terms_text.en.html) changes:
# registrations record what they accepted. 2026-11b: the language cookie (article 6).
# The code's validity is not part of the text: it is the instance's ACTIVATION_CODE_TTL_SECONDS.
TERMS_VERSION = "2026-11b"
