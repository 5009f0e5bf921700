"""E-mail as outbox jobs: queued in the caller's transaction (a message goes only if the work that wants it
commits), sent by the worker through SMTP_URL, retried while the mail server is unreachable (docs/configuration.md).
"""
import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

from flask import current_app

from app.jobs.exceptions import PermanentJobError, RetryLater
from app.jobs.registry import RunningJob, job_handler
from app.jobs.services import enqueue

log = logging.getLogger(__name__)

SEND_EMAIL = "mail.send"
SMTP_TIMEOUT_SECONDS = 20
RETRY_AFTER = timedelta(minutes=5)


def mail_is_configured() -> bool:
    return bool(current_app.config.get("SMTP_URL"))


def queue_email(to: str | None, subject: str, body: str, *, organisation_id: int | None) -> bool:
    """Queue one plain-text message; False (and nothing queued) without SMTP_URL or an address."""
    if not mail_is_configured() or not to or "@" not in to:
        return False
    enqueue(SEND_EMAIL, {"to": to, "subject": subject, "body": body}, organisation_id=organisation_id,
            max_attempts=12)
    return True


@job_handler(SEND_EMAIL)
def send_email(payload: dict, job: RunningJob) -> None:
    config = current_app.config
    url = urlsplit(config["SMTP_URL"])
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = config["MAIL_FROM"], payload["to"], payload["subject"]
    message["Message-ID"] = make_msgid(domain="rexvet")
    message.set_content(payload["body"])
    secure = url.scheme == "smtps"
    port = url.port or (465 if secure else 25)
    try:
        server = (smtplib.SMTP_SSL if secure else smtplib.SMTP)(url.hostname, port, timeout=SMTP_TIMEOUT_SECONDS)
        with server:
            if not secure and server.has_extn("starttls"):
                server.starttls()
            if url.username:
                server.login(unquote(url.username), unquote(url.password or ""))
            server.send_message(message)
    except smtplib.SMTPRecipientsRefused as refused:
        # The address will not work on a retry either; the server's own words, never the URL (it holds a password).
        raise PermanentJobError(f"the mail server refused the recipient: {list(refused.recipients.values())}") from None
    except (OSError, smtplib.SMTPException) as problem:
        log.warning("mail server %s:%s unreachable or failing (%s); retrying", url.hostname, port,
                    type(problem).__name__)
        raise RetryLater(f"mail server {url.hostname}:{port}: {type(problem).__name__}: {problem}",
                         after=RETRY_AFTER) from None
    log.info("e-mail %r sent (job %s)", payload["subject"], job.id)
