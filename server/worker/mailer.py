"""Sending the outbox (core.mail) over SMTP, from the "mail" job (server/worker/tasks.py) that a request queuing
mail asks for, and again from the sweep while anything is left (the mail server was down, a worker stopped)."""

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from core.db import db, utcnow
from core.mail import OutgoingMail, claim_pending
from server.notices import SECRET_KINDS, notice_text, reset_mail_lines

log = logging.getLogger(__name__)


def compose(mail: OutgoingMail) -> EmailMessage:
    """The mail in its reader's language, with a link to the appeal."""
    config = current_app.config
    with force_locale(mail.locale if mail.locale in config["MINYI_LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]):
        text = notice_text(mail.kind, mail.params)
        lines = [text, ""]
        if mail.kind == "password_reset":
            # (No request here, so no url_for: the page is /password/reset/<token>, see server.residents.recovery.)
            lines += [*reset_mail_lines(str(mail.params.get("token", "")), int(mail.params.get("minutes", 30)),
                                        config.get("MINYI_BASE_URL")), ""]
        if mail.params.get("appeal_id") and config.get("MINYI_BASE_URL"):
            # (No request here, so no url_for: the appeal page is /appeals/<id>, see server.public.appeals.)
            url = f"{config['MINYI_BASE_URL'].rstrip('/')}/appeals/{int(mail.params['appeal_id'])}"
            lines += [_("Read it here: %(url)s", url=url), ""]
        lines.append(_("You receive this mail because you sent or joined this appeal on Minyi.")
                     if mail.kind.startswith("appeal_") else
                     _("You receive this mail because it is about your Minyi account."))
        message = EmailMessage()
        message["Subject"] = _("Minyi: %(text)s", text=text)
    message["From"] = formataddr(("Minyi", config["MINYI_MAIL_FROM"]))
    message["To"] = mail.address
    message["Message-ID"] = make_msgid(domain=config["MINYI_MAIL_FROM"].rpartition("@")[2] or None)
    message.set_content("\n".join(lines))
    return message


def deliver_pending(limit: int = 50) -> tuple[int, int]:
    """Send what is waiting; returns (sent, failed). Failures stay queued and are tried again later."""
    config = current_app.config
    if not config.get("MINYI_SMTP_HOST"):
        return 0, 0
    mails = claim_pending(limit)
    if not mails:
        return 0, 0
    sent = failed = 0
    try:
        smtp = smtplib.SMTP(config["MINYI_SMTP_HOST"], config["MINYI_SMTP_PORT"], timeout=20)
    except OSError as error:
        _release(mails, f"connect: {error}")
        log.warning("mail server %s unreachable: %s", config["MINYI_SMTP_HOST"], error)
        return 0, len(mails)
    with smtp:
        if config.get("MINYI_SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("MINYI_SMTP_USER"):
            smtp.login(config["MINYI_SMTP_USER"], config.get("MINYI_SMTP_PASSWORD") or "")
        for mail in mails:
            try:
                smtp.send_message(compose(mail))
            except (smtplib.SMTPException, OSError) as error:
                mail.claimed_at, mail.last_error = None, str(error)[:500]
                failed += 1
            else:
                mail.sent_at, mail.last_error = utcnow(), None
                if mail.kind in SECRET_KINDS:  # the link must not outlive its mail in the database
                    mail.params = {key: value for key, value in mail.params.items() if key != "token"}
                sent += 1
            db.session.commit()  # recorded at once: a later failure must not send it again
    log.info("mail: %d sent, %d failed", sent, failed)
    return sent, failed


def _release(mails, error):
    """The mail server was away: the mails wait for the next try, which does not count as a failed attempt."""
    for mail in mails:
        mail.claimed_at, mail.last_error, mail.attempts = None, error[:500], mail.attempts - 1
    db.session.commit()
