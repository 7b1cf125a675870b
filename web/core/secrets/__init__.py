"""Every secret in one place: activation codes, signed tokens, unlock links, argon2id,
address keys."""
