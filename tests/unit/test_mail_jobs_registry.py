"""The outbox finds each mail kind's job by function, registered by the mailer."""

from __future__ import annotations

import pytest

import mailer
from mailer import jobs, notices
from web.core.notices import NOTICES, notify
from web.core.outbox import job_for
from web.models import MailKind


def test_every_mail_kind_has_its_job_once_mailer_is_imported():
    assert mailer.jobs is jobs
    assert {kind: job_for(kind) for kind in MailKind} == {
        MailKind.ACTIVATION_CODE: jobs.send_activation_code,
        MailKind.ALREADY_REGISTERED: jobs.send_already_registered,
        MailKind.PASSWORD_CHANGED: notices.send_password_changed,
        MailKind.RESET_LINK: notices.send_reset_link,
        MailKind.PASSWORD_RESET: notices.send_password_reset,
        MailKind.SUBSCRIBER_NUMBER: notices.send_subscriber_number,
        MailKind.CONTACT_CHANGED: notices.send_contact_changed,
        MailKind.TRUST_CHANGED: notices.send_trust_changed,
        MailKind.EMAIL_CHANGE_REQUESTED: notices.send_email_change_requested,
        MailKind.EMAIL_CHANGE_CODE: notices.send_email_change_code,
        MailKind.EMAIL_CHANGED: notices.send_email_changed,
        MailKind.EMAIL_IN_USE: notices.send_email_in_use,
        MailKind.UNLOCK_LINK: notices.send_unlock_link,
        MailKind.TWO_STEP_ENABLED: notices.send_two_step_enabled,
        MailKind.TWO_STEP_DISABLED: notices.send_two_step_disabled,
        MailKind.RECOVERY_CODES_RENEWED: notices.send_recovery_codes_renewed,
        MailKind.RECOVERY_CODE_USED: notices.send_recovery_code_used,
        MailKind.PASSKEY_ADDED: notices.send_passkey_added,
        MailKind.PASSKEY_REMOVED: notices.send_passkey_removed,
        MailKind.TWO_STEP_RESET: notices.send_two_step_reset,
    }


def test_a_row_kind_read_from_the_database_as_text_finds_its_job():
    assert job_for("reset_link") is notices.send_reset_link


def test_only_notices_are_sent_by_notify():
    assert set(NOTICES) == set(MailKind) - {
        MailKind.ACTIVATION_CODE,
        MailKind.ALREADY_REGISTERED,
    }
    with pytest.raises(ValueError, match="not a notice"):
        notify(None, MailKind.ACTIVATION_CODE)
