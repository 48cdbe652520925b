"""What the kiosk and the server agree on over HTTP: where the kiosk API lives, the fields of a spoken appeal,
and the receipt codes a kiosk makes up offline. Standard library only: both sides import it, and neither
imports anything else of the other."""

#: Where the kiosk API lives on the server.
API_PATH = "/api/v1/kiosk"
#: How a kiosk proves who it is: ``Authorization: Bearer <TOKEN_PREFIX>...``.
TOKEN_PREFIX = "kiosk_"

#: Form fields of a spoken appeal (multipart, with the recording under ``AUDIO_FIELD``). ``uuid`` is made by
#: the kiosk, so a retry of a delivered appeal answers the same appeal; ``voice_only`` ("true") says the
#: recording is the appeal and the transcript only a help; ``public`` ("true") puts it on the public board once
#: its words are known; ``sms`` ("false") says the resident wants no text message with the answer.
APPEAL_FIELDS = ("uuid", "receipt_code", "transcript", "words", "category", "contact_phone", "voice_only", "public",
                 "sms")
AUDIO_FIELD = "audio"

#: Characters of receipt codes: no 0/O, 1/I/L, which people misread.
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
#: A receipt code is eight characters, shown as XXXX-XXXX.
RECEIPT_LENGTH = 8
#: Each kiosk starts its codes with its own three characters, so codes made offline never collide.
PREFIX_LENGTH = 3


def format_receipt(raw: str) -> str:
    """"ABCDEFGH" → "ABCD-EFGH"."""
    return f"{raw[:4]}-{raw[4:]}"


def normalize_receipt(code: str) -> str | None:
    """"abcd efgh", "ABCD-EFGH" → "ABCD-EFGH"; None when it cannot be a receipt code."""
    raw = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    if len(raw) != RECEIPT_LENGTH or any(ch not in RECEIPT_ALPHABET for ch in raw):
        return None
    return format_receipt(raw)
