"""Background mail and maintenance jobs, run by worker.py.

Importing the package registers each mail kind's job with the outbox (web/core/outbox.py).
"""

from mailer import jobs, notices  # noqa: F401 - registers the mail jobs
