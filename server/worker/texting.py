"""Sending the SMS outbox (core.sms) to an SMS centre over SMPP 3.4 (smpplib), from the "sms" job
(server/worker/tasks.py) that an answer queuing a message asks for, and again from the sweep while anything is
left (the SMS centre was away or refused, a worker stopped).

A message is written once, in the resident's language, and kept with the row, so every retry sends the same parts.
Chinese goes as UCS-2 (data_coding 8), plain English as the SMS centre's default alphabet; a long text is split
into at most MAX_PARTS concatenated parts by cutting the answer's words, never the receipt code. Each part the
SMS centre takes is recorded with its message id before the next is sent, so a retry sends only what it did not
take. Logs never show a whole phone number, nor the text."""

import logging
import re
import socket

from flask import current_app
from flask_babel import force_locale
from smpplib import consts, exceptions, smpp
from smpplib.client import Client
from smpplib.gsm import make_parts

from core.db import db, utcnow
from core.sms import MAX_ATTEMPTS, RETRY_AFTER, OutgoingSms, SmsState, claim_pending, masked
from server.notices import CODE_SMS, SECRET_KINDS, sms_text

log = logging.getLogger(__name__)
#: smpplib logs every PDU in hex at DEBUG, number and text included: never, whatever the log level.
logging.getLogger(f"{__name__}.smpp").setLevel(logging.INFO)

MAX_PARTS = 3
#: Characters that are the same in the GSM default alphabet and in ASCII: a text of only these goes as GSM
#: (160 characters a message); anything else (Chinese, "@", "_", "€") as UCS-2 (70).
PLAIN = re.compile(r"[A-Za-z0-9 \n!\"#%&'()*+,\-./:;<=>?]*")
#: Refusals that no retry mends: the number itself is wrong.
FOR_GOOD = {consts.SMPP_ESME_RINVDSTADR, consts.SMPP_ESME_RINVDSTTON, consts.SMPP_ESME_RINVDSTNPI}


class Refused(Exception):
    """The SMS centre answered a part with an error status."""

    def __init__(self, status: int):
        super().__init__(f"refused: 0x{status:08x} {consts.DESCRIPTIONS.get(status, 'unknown status')}")
        self.status = status


def status_url(code: str) -> str | None:
    """The public status page of a receipt code, when the site's address is known."""
    base = current_app.config.get("MINYI_BASE_URL")
    # (No request here, so no url_for: the page is /appeals/receipt, see server.public.appeals.receipt.)
    return f"{base.rstrip('/')}/appeals/receipt?code={code}" if base else None


def compose(message: OutgoingSms) -> str:
    """The message in its reader's language, the answer's words cut to fit in MAX_PARTS parts."""
    config = current_app.config
    params = message.params or {}
    code, words = str(params.get("code", "")), _bmp(" ".join(str(params.get("words", "")).split()))
    url = status_url(code)
    with force_locale(message.locale if message.locale in config["MINYI_LANGUAGES"] else
                      config["BABEL_DEFAULT_LOCALE"]):
        if message.kind in CODE_SMS:
            return str(CODE_SMS[message.kind] % {"code": code, "minutes": params.get("minutes", 10)})

        def text(n: int) -> str:
            return sms_text(message.kind, code, words if n >= len(words) else _cut(words, n), url)

        if len(encode(text(len(words)))[0]) <= MAX_PARTS:
            return text(len(words))
        low, high = 0, len(words) - 1  # the most words that fit (none, if even the rest is too long)
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if len(encode(text(middle))[0]) <= MAX_PARTS else (low, middle - 1)
        return text(low)


def _cut(words: str, n: int) -> str:
    """The first ``n`` characters of ``words``, ended at a space when one is near (Chinese has none), and "…"."""
    cut = words[:n]
    space = cut.rfind(" ")
    if words[n:n + 1] not in ("", " ") and space > n - 15:
        cut = cut[:space]
    cut = cut.rstrip(" ,.;:，。；：、")
    return (cut + ("..." if PLAIN.fullmatch(cut) else "…")) if cut else ""


def _bmp(text: str) -> str:
    """Without characters outside the Basic Multilingual Plane (emoji): UCS-2 has none, and a part would split one."""
    return "".join(ch for ch in text if ord(ch) < 0x10000)


def encode(text: str, reference: int = 0) -> tuple[list[bytes], int, int]:
    """(parts, data_coding, esm_class) of ``text``; the parts of a long one carry ``reference`` (so a part sent
    again on a retry joins the same message on the phone)."""
    coding = consts.SMPP_ENCODING_DEFAULT if PLAIN.fullmatch(text) else consts.SMPP_ENCODING_ISO10646
    parts, coding, esm_class = make_parts(text, encoding=coding)
    if esm_class & consts.SMPP_GSMFEAT_UDHI:  # a concatenation header: 05 00 03 <reference> <count> <index>
        parts = [part[:3] + bytes([reference % 256]) + part[4:] for part in parts]
    return parts, coding, esm_class


def deliver_pending(limit: int = 50) -> tuple[int, int]:
    """Send what is waiting; returns (sent, failed). Failures stay queued and are tried again later."""
    config = current_app.config
    if not config.get("MINYI_SMPP_HOST"):
        return 0, 0
    messages = claim_pending(limit)
    if not messages:
        return 0, 0
    client = Client(config["MINYI_SMPP_HOST"], config["MINYI_SMPP_PORT"], timeout=config["MINYI_SMPP_TIMEOUT"],
                    logger_name=f"{__name__}.smpp", allow_unknown_opt_params=True)
    sent = failed = 0
    try:
        try:
            client.connect()
            bind = client.bind_transceiver if config.get("MINYI_SMPP_BIND") == "transceiver" else client.bind_transmitter
            bind(system_id=config.get("MINYI_SMPP_SYSTEM_ID") or "", password=config.get("MINYI_SMPP_PASSWORD") or "",
                 system_type=config.get("MINYI_SMPP_SYSTEM_TYPE") or "")
        except (exceptions.ConnectionError, exceptions.PDUError, OSError) as error:
            _release(messages, f"connect: {_said(error)}")
            log.warning("SMS centre %s:%s unreachable or refused the bind: %s", config["MINYI_SMPP_HOST"],
                        config["MINYI_SMPP_PORT"], _said(error))
            return 0, len(messages)
        for index, message in enumerate(messages):
            try:
                _send(client, message)
            except Refused as error:
                _failed(message, str(error), for_good=error.status in FOR_GOOD)
                failed += 1
            except (exceptions.ConnectionError, exceptions.PDUError, OSError) as error:
                # The line broke: this message counts the attempt (it may be what broke it), the rest wait.
                _failed(message, f"connection lost: {_said(error)}")
                _release(messages[index + 1:], "connection lost before it was sent")
                return sent, len(messages) - sent
            else:
                sent += 1
                log.info("SMS %d to %s sent in %d part(s)", message.id, masked(message.phone), message.parts)
            db.session.commit()  # recorded at once: a later failure must not send it again
    finally:
        _close(client)
    log.info("sms: %d sent, %d failed", sent, failed)
    return sent, failed


def _send(client: Client, message: OutgoingSms) -> None:
    """Every part the SMS centre has not taken yet, each recorded as soon as it is taken."""
    params = message.params or {}
    if "text" not in params:  # written once: every retry sends the same parts
        message.params = params = {**params, "text": compose(message)}
    parts, coding, esm_class = encode(params["text"], reference=message.id)
    message.parts = len(parts)
    ton, npi, source = _source(current_app.config.get("MINYI_SMPP_SOURCE") or "")
    for index in range(message.parts_sent, len(parts)):
        request = client.send_message(
            source_addr_ton=ton, source_addr_npi=npi, source_addr=source,
            dest_addr_ton=consts.SMPP_TON_INTL, dest_addr_npi=consts.SMPP_NPI_ISDN,
            destination_addr=message.phone.removeprefix("+"), short_message=parts[index], data_coding=coding,
            esm_class=esm_class, registered_delivery=0)
        response = _response_to(client, request.sequence)
        if response.is_error():
            raise Refused(response.status)
        message_id = response.message_id.decode("ascii", "replace") if isinstance(response.message_id, bytes) \
            else str(response.message_id or "")
        message.parts_sent, message.message_ids = index + 1, [*(message.message_ids or []), message_id]
        db.session.commit()
    message.state, message.sent_at, message.claimed_at, message.last_error = SmsState.SENT, utcnow(), None, None
    if message.kind in SECRET_KINDS:  # the code must not outlive its message in the database
        message.params = {key: value for key, value in params.items() if key not in ("code", "text")}


def _response_to(client: Client, sequence: int):
    """The SMS centre's answer to our PDU ``sequence`` (its own enquire_link is answered meanwhile)."""
    while True:
        try:
            pdu = client.read_pdu()
        except socket.timeout:
            raise exceptions.ConnectionError("no answer from the SMS centre") from None
        if pdu.command == "enquire_link":
            reply = smpp.make_pdu("enquire_link_resp", client=client, sequence=pdu.sequence)
            client.send_pdu(reply)
        elif pdu.command == "unbind":
            raise exceptions.ConnectionError("the SMS centre unbound")
        elif pdu.command in ("submit_sm_resp", "generic_nack") and pdu.sequence == sequence:
            return pdu


def _source(source: str) -> tuple[int, int, str]:
    """(TON, NPI, address) of the sender: +E.164, a number (a service code such as 10690000), or a name."""
    if source.startswith("+"):
        return consts.SMPP_TON_INTL, consts.SMPP_NPI_ISDN, source[1:]
    if source.isdigit():
        return consts.SMPP_TON_UNK, consts.SMPP_NPI_ISDN, source
    if source:
        return consts.SMPP_TON_ALNUM, consts.SMPP_NPI_UNK, source
    return consts.SMPP_TON_UNK, consts.SMPP_NPI_UNK, ""


def _failed(message: OutgoingSms, error: str, *, for_good: bool = False) -> None:
    """A failed attempt: tried again after a wait that doubles, or given up (refused for good, or too often)."""
    message.claimed_at, message.last_error = None, error[:500]
    if for_good or message.attempts >= MAX_ATTEMPTS:
        message.state = SmsState.FAILED
    else:
        message.state = SmsState.WAITING
        message.retry_at = utcnow() + min(RETRY_AFTER * 2 ** max(message.attempts - 1, 0), RETRY_AFTER * 60)
    log.warning("SMS %d to %s not sent (attempt %d): %s", message.id, masked(message.phone), message.attempts, error)
    db.session.commit()


def _release(messages, error: str) -> None:
    """The SMS centre was away: the messages wait for the next try, which does not count as a failed attempt."""
    for message in messages:
        message.state, message.claimed_at, message.last_error = SmsState.WAITING, None, error[:500]
        message.attempts -= 1
    db.session.commit()


def _said(error: Exception) -> str:
    return str(error) or type(error).__name__


def _close(client: Client) -> None:
    """Unbind and hang up, whatever state the line is in."""
    if client.state in (consts.SMPP_CLIENT_STATE_BOUND_TX, consts.SMPP_CLIENT_STATE_BOUND_TRX):
        try:
            client.unbind()
        except (exceptions.ConnectionError, exceptions.PDUError, OSError):
            pass  # the line is gone already
    client.state = consts.SMPP_CLIENT_STATE_OPEN  # (smpplib warns of hanging up in any other state)
    client.disconnect()
