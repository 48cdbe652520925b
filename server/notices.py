"""The words of every notification, in the reader's language: one home for the notifications page, the mail
and any later channel (SMS). Services record only a kind and its parameters (accounts.notifications.notify)."""

from flask_babel import lazy_gettext as _l

from proposals.discussion import hidden_reason_text

#: kind → what the person is told; %(title)s, %(reason)s and %(appeal_id)s come from the notification's params.
TEXTS = {
    "account_locked": _l("Wrong passwords were given for your account %(count)s times in a row, so it is locked for "
                         "%(minutes)s minutes. If that was not you, change your password once you are back in."),
    "pledges_committed": _l("The goal of “%(title)s” was reached: your pledge is now binding."),
    "pledges_released": _l("The goal of “%(title)s” was not reached: your pledge is released, you owe nothing."),
    "proposal_qualified": _l("Your proposal “%(title)s” has enough support and is now with the officials."),
    "proposal_expired": _l("Your proposal “%(title)s” did not gather enough support in time and has expired."),
    "proposal_rejected": _l("“%(title)s” was not taken up. Reason: %(reason)s"),
    "became_project": _l("What you backed became a project: “%(title)s”. You can follow its progress and its money."),
    "proposal_hidden": _l("Your proposal “%(title)s” was hidden. Reason: %(reason)s"),
    "comment_hidden": _l("Your comment on “%(title)s” was hidden. Reason: %(reason)s"),
    "appeal_received": _l("A new appeal (No. %(appeal_id)s) is waiting for your department."),
    "appeal_reopened": _l("Appeal No. %(appeal_id)s was reopened: the resident says the problem is not solved."),
    "appeal_answered": _l("Appeal No. %(appeal_id)s has an answer."),
    "appeal_resolved": _l("Appeal No. %(appeal_id)s is resolved."),
    "appeal_rejected": _l("Appeal No. %(appeal_id)s was rejected; the reason is on its page."),
    "appeal_duplicate": _l("Appeal No. %(appeal_id)s reports a problem already reported; you now follow the earlier "
                           "appeal and will be told of its answer."),
    "appeal_reassigned": _l("Appeal No. %(appeal_id)s was handed to another department, which has a new deadline."),
}


def notice_text(kind: str, params: dict | None) -> str:
    """What a notification of ``kind`` says, in the current language (the kind itself for an unknown one)."""
    text = TEXTS.get(kind)
    values = {"title": "", "reason": "", "appeal_id": "", **(params or {})}
    values["reason"] = hidden_reason_text(values["reason"])
    return str(text) % values if text else kind
