"""The console's documents as aligned text for a terminal (times in UTC, addresses masked)."""

from __future__ import annotations

from web.ops.output import pairs, shown_time, table


def _age(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours} h {rest // 60:02d} min" if hours else f"{rest // 60} min {rest % 60:02d} s"


def _jobs(jobs: list[dict], when: tuple[str, str], last: tuple[str, str]) -> str:
    """A table of RQ jobs: when (heading, key), queue, id, function, and one more column."""
    return table(
        (when[0], "queue", "job", "function", last[0]),
        [
            (shown_time(job[when[1]]), job["queue"], job["id"], job["function"], job[last[1]])
            for job in jobs
        ],
        indent=2,
    )


def status(document: dict) -> str:
    """`flask ops status`."""
    queues = document["queues"]
    columns = ("queued", "scheduled", "started", "failed", "deferred")
    oldest = document["oldest_pending_mail"]
    parts = [
        pairs(
            [
                ("Version", document["version"]),
                ("Redis", document["redis"]),
                ("Database", document["database"]),
            ]
        ),
        "",
        "Registrations",
        pairs(document["registrations"].items(), indent=2),
        "",
        f"Queues  (workers: {document['workers']})",
        table(
            ("queue", *columns),
            [(name, *(queues[name][c] for c in columns)) for name in queues],
            indent=2,
        ),
        "",
        "Scheduled jobs",
        _jobs(document["scheduled_jobs"], ("at", "at"), ("retries left", "retries_left")),
        "",
        "Failed jobs",
        _jobs(document["failed_jobs"], ("ended", "ended_at"), ("error", "error")),
        "",
        f"Owed mails: {document['owed_mails']}",
    ]
    if oldest:
        parts += [
            "Oldest pending mail",
            pairs(
                [
                    ("outbox row", oldest["outbox_id"]),
                    ("registration", f"{oldest['registration_id']} ({oldest['address']})"),
                    ("kind", oldest["kind"]),
                    (
                        "created",
                        f"{shown_time(oldest['created_at'])}, {_age(oldest['age_seconds'])} ago",
                    ),
                    ("attempts", oldest["attempts"]),
                    (
                        "job",
                        f"{oldest['job_id'] or '-'} ({oldest['job_status'] or 'never enqueued'})",
                    ),
                    ("last error", oldest["last_error"]),
                ],
                indent=2,
            ),
        ]
    else:
        parts.append("Oldest pending mail: none")
    return "\n".join(parts)


def story(document: dict) -> str:
    """`flask ops find ADDRESS`."""
    ttl = document["code_in_redis_seconds"]
    return "\n".join(
        [
            pairs(
                [
                    ("address", document["address"]),
                    ("registration", document["registration_id"]),
                    ("state", document["state"]),
                    ("subscriber number", document["subscriber_number"]),
                    ("created", shown_time(document["created_at"])),
                    ("code sent", shown_time(document["code_sent_at"])),
                    ("code expires", shown_time(document["code_expires_at"])),
                    ("code hash in Redis", _age(ttl) + " left" if ttl else "none"),
                    ("activated", shown_time(document["activated_at"])),
                    ("expired", shown_time(document["expired_at"])),
                ]
            ),
            "",
            "Mails",
            table(
                ("row", "kind", "created", "attempts", "sent", "failed", "job", "last error"),
                [
                    (
                        row["id"],
                        row["kind"],
                        shown_time(row["created_at"]),
                        row["attempts"],
                        shown_time(row["sent_at"]),
                        shown_time(row["failed_at"]),
                        row["job_status"],
                        row["last_error"],
                    )
                    for row in document["outbox"]
                ],
                indent=2,
            ),
            "",
            "History",
            table(
                ("at", "event", "detail", "ip"),
                [
                    (shown_time(event["at"]), event["kind"], event["detail"], event["ip"])
                    for event in document["history"]
                ],
                indent=2,
            ),
        ]
    )


def resend(document: dict) -> str:
    """`flask ops resend ADDRESS`."""
    if not document["job_id"]:
        where = "Redis is unavailable: the reconciler will enqueue it"
    else:
        where = f"job {document['job_id']} queued on 'mail'"
    return (
        f"New activation code owed to {document['address']} (registration "
        f"{document['registration_id']}): outbox row {document['outbox_id']}, {where}."
    )


def requeued(document: dict) -> str:
    """`flask ops requeue-failed`."""
    lines = [f"Requeued {len(document['requeued'])} failed job(s)."]
    lines += [f"  {job['queue']}: {job['id']} ({job['function']})" for job in document["requeued"]]
    if document["skipped"]:
        lines.append(f"Left {len(document['skipped'])} in the failed registry:")
        lines += [f"  {job['queue']}: {job['id']}: {job['reason']}" for job in document["skipped"]]
    return "\n".join(lines)


def stats(document: dict) -> str:
    """`flask ops stats`."""
    headers = ("day", "sign-ups", "activations", "expiries", "mails sent", "mail failures")
    keys = ("sign_ups", "activations", "expiries", "mails_sent", "mail_failures")
    rows = [(day["day"], *(day[key] for key in keys)) for day in document["days"]]
    rows.append(("total", *(document["totals"][key] for key in keys)))
    return "\n".join(
        [
            f"From {shown_time(document['since'])} to {shown_time(document['until'])}, "
            "days in Europe/Paris",
            table(headers, rows),
        ]
    )


def two_step_reset(result: dict) -> str:
    """What `ops reset-two-step` removed, and the notice it owes."""
    removed = ", ".join(result["removed_methods"]) or "no method"
    return (
        f"Second step turned off for {result['address']} (registration "
        f"{result['registration_id']}): removed {removed} and "
        f"{result['removed_recovery_codes']} recovery code(s); notice owed "
        f"(outbox row {result['outbox_id']})."
    )
