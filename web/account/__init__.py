"""The subscriber space: log in, sessions, home, contact details, password, history."""
