"""Delivers the outbox: each queued appeal is posted until the server has it, in the order they were spoken, with
exponential back-off and jitter while the network is down (one back-off for the whole queue, held by its oldest
appeal: a week offline costs one try per longest wait, not one per appeal). The server files an appeal once per
UUID, so a retry after a lost answer (or a power cut between the server's answer and our note of it) never makes a
second one."""

import logging
import random
import shutil
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from kiosk import __version__
from kiosk.client import Client, Offline, Refused, Revoked
from kiosk.outbox import Outbox

log = logging.getLogger(__name__)


@dataclass
class Report:
    sent: int = 0
    failed: int = 0
    refused: int = 0
    revoked: bool = False


#: Failures of the oldest appeal, with the server answering, after which the next one is tried to tell whether
#: the trouble is that appeal's (then it is set aside, and no longer holds the others back) or the server's.
SET_ASIDE_AFTER = 3


def backoff(attempts: int, first: float, longest: float, rng: random.Random = random) -> float:
    """Seconds to wait after the ``attempts``-th failure: doubling from ``first`` up to ``longest``, each drawn
    between half and all of it (kiosks that lost the network together do not all come back at once)."""
    ceiling = min(longest, first * 2 ** min(max(0, attempts), 40))  # a month offline: thousands of attempts
    return rng.uniform(ceiling / 2, ceiling)


def deliver_due(outbox: Outbox, client: Client, *, first: float = 5.0, longest: float = 900.0,
                limit: int = 50) -> Report:
    """One pass over the appeals whose time has come. Stops at the first network failure (the others would
    fail too), at the first server error unless the oldest appeal has met it again and again (then the next one
    is tried: if it gets through, the oldest is set aside), and when the server says the kiosk is revoked."""
    report, probing = Report(), None
    for queued in outbox.due(limit=limit, longest=longest):
        try:
            answer = client.send_appeal(queued)
        except Offline as error:
            outbox.mark_failed(queued.uuid, str(error), backoff(queued.attempts, first, longest))
            report.failed += 1
            log.info("appeal %s not delivered (%s); will try again", queued.receipt_code, error)
            if error.answered and queued.set_aside:
                continue  # still this one's trouble alone: the others go on
            if error.answered and probing is None and queued.attempts + 1 >= SET_ASIDE_AFTER:
                probing = queued  # the server answers but not for this one: is it the appeal or the server?
                continue  # the next one tells
            break
        except Revoked:
            report.revoked = True
            log.warning("the server no longer accepts this kiosk: appeals stay here until it is enrolled again")
            break
        except Refused as error:
            outbox.mark_refused(queued.uuid, error.message)
            report.refused += 1
            log.error("appeal %s refused by the server: %s", queued.receipt_code, error)
            continue
        except FileNotFoundError:
            outbox.mark_refused(queued.uuid, "the recording is missing")
            report.refused += 1
            continue
        outbox.mark_sent(queued.uuid, answer["id"])
        report.sent += 1
        if probing is not None:  # the server takes the others: that one alone has trouble; it waits on its own
            outbox.set_aside(probing.uuid)
            log.warning("appeal %s set aside: the server keeps failing on it while it takes the others",
                        probing.receipt_code)
            probing = None
    if not report.revoked:
        deliver_ballots(outbox, client, report, first=first, longest=longest)
    return report


def deliver_ballots(outbox: Outbox, client: Client, report: Report, *, first: float, longest: float) -> None:
    """Deliver the budget ballots whose time has come; a refused one (unknown, used or expired code) is kept with
    the server's reason and logged."""
    box = outbox.ballots
    for queued in box.due(longest=longest):
        try:
            client.send_ballot(queued)
        except Offline as error:
            box.mark_failed(queued.uuid, str(error), backoff(queued.attempts, first, longest))
            report.failed += 1
            log.info("ballot %s not delivered (%s); will try again", queued.uuid, error)
            return
        except Revoked:
            report.revoked = True
            return
        except Refused as error:
            box.mark_refused(queued.uuid, error.message)
            report.refused += 1
            log.error("ballot %s refused by the server: %s", queued.uuid, error.message)
            continue
        box.mark_sent(queued.uuid)
        report.sent += 1


def send_heartbeat(outbox: Outbox, client: Client, model: str | None = None) -> dict:
    """Tell the server how this kiosk is; its clock goes along (the server reads ``last_sync_at`` on it)."""
    counts = outbox.counts()
    return client.heartbeat(
        version=__version__, queue_length=counts["queued"], refused=counts["refused"], model=model or None,
        free_disk_bytes=shutil.disk_usage(outbox.folder).free, last_sync_at=_iso(outbox.last_sync()),
        clock=outbox.clock())


def _iso(seconds: float | None) -> str | None:
    try:
        return datetime.fromtimestamp(seconds, timezone.utc).isoformat() if seconds else None
    except (ValueError, OverflowError, OSError):  # a clock set beyond what a date can say
        return None


def run(outbox: Outbox, client: Client, stop: threading.Event, *, first: float = 5.0, longest: float = 900.0,
        heartbeat_seconds: float = 300.0, model: str | None = None, wake: threading.Event | None = None,
        on_beat=None, on_revoked=None) -> None:
    """Deliver until ``stop`` is set. ``wake`` (set when the resident confirms a new appeal, and by whoever sets
    ``stop``) cuts a wait short. After each heartbeat ``on_beat(client)`` runs (the screen refreshes its cached
    content); ``on_revoked(bool)`` hears whether the server still accepts this kiosk."""
    next_beat = 0.0
    while not stop.is_set():
        try:
            next_beat = _round(outbox, client, next_beat, first=first, longest=longest, model=model,
                               heartbeat_seconds=heartbeat_seconds, wake=wake, stop=stop, on_beat=on_beat,
                               on_revoked=on_revoked)
        except Exception:  # noqa: BLE001  (a full disk, a locked database: say so, wait, and go on delivering)
            log.exception("delivery round failed; trying again")
            stop.wait(first)


def _round(outbox, client, next_beat, *, first, longest, model, heartbeat_seconds, wake, stop, on_beat, on_revoked):
    """One round of ``run``: deliver what is due, send the heartbeat when it is time, then wait until something
    is due (no wait while more appeals are due). Returns when the next heartbeat is due."""
    report = deliver_due(outbox, client, first=first, longest=longest)
    learned = True if report.revoked else None  # whether the server still accepts this kiosk, when known
    if time.monotonic() >= next_beat:
        try:
            send_heartbeat(outbox, client, model)
            if on_beat is not None:
                on_beat(client)
            learned = bool(report.revoked)
        except Revoked:
            learned = report.revoked = True
        except (Offline, Refused) as error:
            log.info("heartbeat not sent: %s", error)
        next_beat = time.monotonic() + heartbeat_seconds
    if on_revoked is not None and learned is not None:
        on_revoked(learned)
    if report.sent and outbox.due(limit=1, longest=longest):
        return next_beat
    soonest = outbox.next_try(longest=longest)
    wait = heartbeat_seconds if soonest is None or report.revoked else max(
        0.05, min(heartbeat_seconds, soonest - outbox.clock()))
    if wake is None:
        stop.wait(wait)
    else:
        wake.wait(wait)
        wake.clear()
    return next_beat
