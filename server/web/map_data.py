"""The GeoJSON of each map, from filters read by ``server.web.maps.read_filters``: the map pages' data and the API's
maps (``server/api/maps.py``) both come from here. Every point is read through its list's own query
(``appeals.queries.board``, ``proposals.queries.public_proposals``, ``projects.queries.public_projects``), so a
map shows nothing its list would not."""

from sqlalchemy import literal

from accounts.geography import outlines
from accounts.regions import Region, region_tree, subtree_id_list
from appeals.models import Appeal, AppealStatus
from appeals.queries import board
from core.db import db
from core.i18n import current_language
from projects.models import Project, ProjectStatus
from projects.queries import public_projects
from proposals.models import Proposal, ProposalStatus
from proposals.queries import public_proposals
from server.web.i18n import STATUS_LABELS
from server.web.maps import POINTS_MAX, address_maker, feature_collection, located, place_columns

#: The statuses each map may be filtered by.
STATUSES = {"appeal": list(AppealStatus), "proposal": list(ProposalStatus), "project": list(ProjectStatus)}


def _properties(kind, endpoint, key):
    labels = {status: str(label) for status, label in STATUS_LABELS[kind].items()}
    address = address_maker(endpoint, key)

    def make(row):
        return {"id": row.id, "title": row.summary, "url": address(row.id), "status": row.status,
                "status_label": labels.get(row.status, row.status), "approximate": bool(row.approximate)}
    return make


def appeal_points(found: dict) -> dict:
    """Public appeals with a place (their own, or their village's centre), newest first."""
    query, _columns, _descending = board(region=found["region"], category=found["category"], status=found["status"],
                                         q=found["q"])
    query = query.with_only_columns(Appeal.id, Appeal.title.label("summary"), Appeal.status, *place_columns(Appeal))
    rows = located(query, Appeal)
    return feature_collection(rows, _properties("appeal", "appeals.show", "appeal_id"))


def proposal_points(found: dict) -> dict:
    """Visible proposals with a place, newest first; the list's filters and search."""
    query, _columns, _descending = public_proposals(region=found["region"], category=found["category"],
                                                    status=found["status"], q=found["q"])
    query = query.with_only_columns(Proposal.id, Proposal.title.label("summary"), Proposal.status,
                                    *place_columns(Proposal))
    rows = located(query, Proposal)
    return feature_collection(rows, _properties("proposal", "proposals.show", "proposal_id"))


def project_points(found: dict) -> dict:
    """Projects at the centre of their region (a project has no point of its own), newest first; by region and
    status, as the list."""
    query = public_projects(region=found["region"], status=found["status"]).with_only_columns(
        Project.id, Project.title.label("summary"), Project.status, Region.centre_latitude.label("lat"),
        Region.centre_longitude.label("lon"), literal(True).label("approximate")) \
        .join(Region, Region.id == Project.region_id).where(Region.centre_latitude.is_not(None))
    rows = db.session.execute(query.order_by(Project.id.desc()).limit(POINTS_MAX + 1))
    return feature_collection(rows, _properties("project", "projects.show", "project_id"))


def region_outlines(found: dict) -> dict:
    """The outlines of a region and everything in it (every region's without one), named in the reader's
    language."""
    ids = subtree_id_list(found["region"]) if found["region"] is not None else None
    tree, language = region_tree(), current_language()
    pick = 1 if language == "en" else 0
    features = [{"type": "Feature", "geometry": geometry,
                 "properties": {"id": id_, "level": level, "code": code,
                                "name": tree.names[id_][pick] or tree.names[id_][1 - pick]}}
                for id_, level, code, geometry in outlines(ids)]
    return {"type": "FeatureCollection", "features": features}
