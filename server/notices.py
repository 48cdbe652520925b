"""The words of every notification, in the reader's language: one home for the notifications page, the mail
and any later channel (SMS). Services record only a kind and its parameters (accounts.notifications.notify)."""

from flask_babel import lazy_gettext as _l

from proposals.discussion import hidden_reason_text

#: kind → what the person is told; %(title)s, %(reason)s and %(appeal_id)s come from the notification's params, and
#: %(appeal)s names an appeal: its number and, for notifications recorded since appeals have one, its title.
TEXTS = {
    "account_locked": _l("Wrong passwords were given for your account %(count)s times in a row, so it is locked for "
                         "%(minutes)s minutes. If that was not you, change your password once you are back in."),
    "password_reset": _l("Choose a new password"),
    "pledges_committed": _l("The goal of “%(title)s” was reached: your pledge is now binding."),
    "pledges_released": _l("The goal of “%(title)s” was not reached: your pledge is released, you owe nothing."),
    "proposal_qualified": _l("Your proposal “%(title)s” has enough support and is now with the officials."),
    "proposal_expired": _l("Your proposal “%(title)s” did not gather enough support in time and has expired."),
    "proposal_rejected": _l("“%(title)s” was not taken up. Reason: %(reason)s"),
    "became_project": _l("What you backed became a project: “%(title)s”. You can follow its progress and its money."),
    "proposal_recommended": _l("An official recommends that your department make “%(title)s” a project."),
    "proposal_hidden": _l("Your proposal “%(title)s” was hidden. Reason: %(reason)s"),
    "comment_hidden": _l("Your comment on “%(title)s” was hidden. Reason: %(reason)s"),
    "appeal_received": _l("A new appeal, %(appeal)s, is waiting for your department."),
    "appeal_reopened": _l("Appeal %(appeal)s was reopened: the resident says the problem is not solved."),
    "appeal_answered": _l("Appeal %(appeal)s has an answer."),
    "appeal_resolved": _l("Appeal %(appeal)s is resolved."),
    "appeal_rejected": _l("Appeal %(appeal)s was rejected; the reason is on its page."),
    "appeal_duplicate": _l("Appeal %(appeal)s reports a problem already reported; you now follow the earlier "
                           "appeal and will be told of its answer."),
    "appeal_reassigned": _l("Appeal %(appeal)s was handed to another department, which has a new deadline."),
}

#: An appeal named in a notification: by its number and title, or its number alone (older notifications).
APPEAL_NAMED = _l("No. %(appeal_id)s “%(title)s”")
APPEAL_NUMBERED = _l("No. %(appeal_id)s")


#: kind → the text message (SMS) telling a resident of the answer to their appeal: %(code)s is its receipt code,
#: %(words)s the answer's first words (server/worker/texting.py cuts them to fit in three messages).
SMS_TEXTS = {
    "appeal_answered": _l("Minyi: your appeal %(code)s has an answer: %(words)s"),
    "appeal_resolved": _l("Minyi: your appeal %(code)s is resolved: %(words)s"),
    "appeal_rejected": _l("Minyi: your appeal %(code)s was rejected: %(words)s"),
}
#: How to hear or read the whole answer, after the SMS's words: with the site's public address, and without.
SMS_FULL_ONLINE = _l("Full answer: %(url)s or at a village kiosk with the code %(code)s.")
SMS_FULL_AT_KIOSK = _l("Hear the full answer at a village kiosk with the code %(code)s.")

#: The mail with a link to choose a new password (accounts/recovery.py), after its subject.
RESET_MAIL_LINK = _l("Someone asked to choose a new password for your Minyi account. To do so, open this link "
                     "within %(minutes)s minutes (it works once): %(url)s")
RESET_MAIL_NO_URL = _l("Someone asked to choose a new password for your Minyi account. Open the page "
                       "/password/reset/%(token)s of the site within %(minutes)s minutes (it works once).")
RESET_MAIL_IGNORE = _l("If that was not you, ignore this mail: your password stays as it is.")
#: The SMS with a code to choose a new password (accounts/recovery.py).
RESET_SMS = _l("Minyi: your code to choose a new password is %(code)s. It works for %(minutes)s minutes. "
               "If you did not ask for it, ignore this message.")
#: The SMS with a code to log in with (accounts/code_sign_in.py).
SIGN_IN_SMS = _l("Minyi: your code to log in is %(code)s. It works for %(minutes)s minutes. Never tell it to "
                 "anyone. If you did not ask for it, ignore this message.")
#: The text of each kind of SMS that carries a code, filled with its code and minutes.
CODE_SMS = {"password_code": RESET_SMS, "sign_in_code": SIGN_IN_SMS}

#: Kinds whose mail or SMS carries a secret (a link's token, a code): it is wiped from the outbox once sent.
SECRET_KINDS = frozenset({"password_reset", *CODE_SMS})


def reset_mail_lines(token: str, minutes: int, base_url: str | None) -> list[str]:
    """The body of the mail with the link to choose a new password, in the current language."""
    url = f"{base_url.rstrip('/')}/password/reset/{token}" if base_url else None
    first = RESET_MAIL_LINK % {"url": url, "minutes": minutes} if url else \
        RESET_MAIL_NO_URL % {"token": token, "minutes": minutes}
    return [first, "", str(RESET_MAIL_IGNORE)]


def sms_text(kind: str, code: str, words: str, url: str | None = None) -> str:
    """The SMS about ``kind`` in the current language: the answer's ``words``, the receipt code, where to hear it."""
    text = SMS_TEXTS.get(kind) or SMS_TEXTS["appeal_answered"]
    full = SMS_FULL_ONLINE % {"url": url, "code": code} if url else SMS_FULL_AT_KIOSK % {"code": code}
    return f"{text % {'code': code, 'words': words}} {full}"


def notice_text(kind: str, params: dict | None) -> str:
    """What a notification of ``kind`` says, in the current language (the kind itself for an unknown one)."""
    text = TEXTS.get(kind)
    values = {"title": "", "reason": "", "appeal_id": "", **(params or {})}
    values["reason"] = hidden_reason_text(values["reason"])
    values["appeal"] = APPEAL_NAMED % values if values["appeal_id"] and values["title"] else \
        APPEAL_NUMBERED % values
    return str(text) % values if text else kind
