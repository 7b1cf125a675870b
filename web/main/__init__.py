"""Public pages: the landing page, the subscription page and the terms."""
