"""What a proposal tells the domains that hang on it, so that proposals need not know them (voting keeps the
pledges: it refuses an edit while pledges are open, and releases them when the proposal closes)."""

from blinker import Namespace

_signals = Namespace()

#: Sent with the proposal before its author changes it; a receiver refuses by raising a DomainError.
changing = _signals.signal("proposal-changing")
#: Sent with the proposal when it is withdrawn, rejected or expires (``including_committed``: also what backers
#: already owed). Each receiver returns the ids of the people whose commitment ended.
closed = _signals.signal("proposal-closed")


def close(proposal, *, including_committed: bool = False) -> list[int]:
    """Tell the receivers the proposal closed; returns everyone whose commitment ended, once each."""
    people = [uid for _receiver, ids in closed.send(proposal, including_committed=including_committed)
              for uid in ids or ()]
    return list(dict.fromkeys(people))
