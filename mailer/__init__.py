"""Background mail and maintenance jobs, run by worker.py."""
