"""What the cards of the lists show beside each row's own columns: its first photo (as thumbnails) and its
bars (supports toward the threshold, pledges toward the goal, a project's progress), read for the whole
list at once, so a longer list runs no more queries."""

from appeals import queries as appeal_queries
from projects import queries as project_queries
from projects.progress import percent_done
from proposals import queries as proposal_queries
from proposals.models import ProposalStatus
from voting.pledges import percents
from voting.supports import thresholds


def proposal_cards(proposals) -> dict:
    """For proposal cards: ``photos`` (id → first photo), ``needed`` (id → the threshold of an open
    proposal) and ``pledged`` (id → per cent of the goal, for proposals with one)."""
    proposals = list(proposals)
    return {"photos": proposal_queries.first_photos(p.id for p in proposals),
            "needed": thresholds([p for p in proposals if p.status == ProposalStatus.OPEN]),
            "pledged": percents(proposals)}


def appeal_cards(appeals) -> dict:
    """For appeal cards: ``photos`` (id → first photo, of public appeals only)."""
    return {"photos": appeal_queries.first_photos(a.id for a in appeals)}


def project_cards(projects) -> dict:
    """For project cards: ``photos`` (id → first photo of the work) and ``done`` (id → per cent done)."""
    projects = list(projects)
    return {"photos": project_queries.first_photos(p.id for p in projects),
            "done": {p.id: percent_done(p) for p in projects}}
