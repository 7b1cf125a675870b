"""Every secret in one place: activation codes, signed tokens, argon2id, address keys."""
