"""The 4-step sign-up wizard."""
