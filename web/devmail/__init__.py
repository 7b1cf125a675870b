"""Courriels envoyés: the local test mailbox, readable in the browser (never in production)."""
