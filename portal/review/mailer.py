"""Outgoing e-mail, behind one function so that the transport is configuration.

``MAIL_BACKEND = "log"`` (the default) writes each message to the application log and sends
nothing, which suits development, tests and a district network without a mail relay.
``MAIL_BACKEND = "smtp"`` sends through ``smtplib`` with ``MAIL_SERVER``, ``MAIL_PORT``,
``MAIL_USERNAME``, ``MAIL_PASSWORD``, ``MAIL_USE_TLS`` (STARTTLS) and ``MAIL_FROM``.
Read only inside a request or an app context.
"""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

BACKENDS = ("log", "smtp")


class MailError(RuntimeError):
    """The message could not be handed to the mail server."""


def send_mail(to: str | list[str], subject: str, body: str) -> None:
    """Send a plain-text message (UTF-8) to one or more addresses."""
    recipients = [to] if isinstance(to, str) else list(to)
    recipients = [r.strip() for r in recipients if r and r.strip()]
    if not recipients:
        return
    config = current_app.config
    backend = config.get("MAIL_BACKEND", "log")
    if backend == "log":
        current_app.logger.info("mail (log backend) to=%s subject=%s\n%s", ", ".join(recipients), subject, body)
        return
    if backend != "smtp":
        raise MailError(f"unknown MAIL_BACKEND {backend!r} (expected one of {BACKENDS})")
    message = EmailMessage()
    message["From"] = config.get("MAIL_FROM") or "noreply@localhost"
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid()
    message.set_content(body)
    try:
        with smtplib.SMTP(config.get("MAIL_SERVER", "localhost"), int(config.get("MAIL_PORT", 25)),
                          timeout=int(config.get("MAIL_TIMEOUT", 20))) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(str(exc)) from exc
