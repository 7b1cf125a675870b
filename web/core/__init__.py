"""The shared core: what more than one feature uses, written once.

- forms toolkit: `forms` (field rules, address and answer fields, password fields),
  `profile` (identity and contact forms of the wizard and of the space);
- subscribers: `subscribers` (lookups, states, personal columns), `sessions` (login
  sessions), `login_throttle` and `trusted_devices` (device cookies), `resend`
  (« Renvoyer le code »), `audit` (« Historique »);
- mail: `outbox` (owe a mail, enqueue after the commit), `notices` (the notice catalogue);
- secrets: `secrets/` (activation codes, signed tokens, unlock links, argon2id, address
  fingerprints);
- every request: `security`, `request_rules`, `request_log`, `errors`, `limits`, `i18n`,
  `templating`, `metrics`, `urls`, `registration_pdf`, `terms`.

Blueprints (`web/<feature>/`) and the mailer import it; it imports no blueprint and no
mailer module (the contracts in pyproject.toml, checked by `make lint`).
"""
