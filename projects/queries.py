"""Reading projects for lists: the ones under way in a place, and the photo each card shows. Projects are
public, so these rules are about what to show, not who may see it."""

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from accounts.regions import Region, subtree_id_list
from core.db import db
from projects.models import Project, ProjectPhoto, ProjectStatus


def public_projects(*, region: Region | None = None, status: str | None = None) -> Select:
    """Projects in ``region`` and everything inside it (None: everywhere), with this status (None: any); the
    list, its map and the API's read them here."""
    query = select(Project)
    if region is not None:
        query = query.where(Project.region_id.in_(subtree_id_list(region)))
    if status in set(ProjectStatus):
        query = query.where(Project.status == status)
    return query


def in_progress(region_ids: list[int] | None, *, limit: int = 4) -> list[Project]:
    """Projects under way in these regions (None: everywhere), the most recently started first."""
    query = select(Project).where(Project.status == ProjectStatus.IN_PROGRESS) \
        .options(selectinload(Project.milestones), selectinload(Project.department))
    if region_ids is not None:
        query = query.where(Project.region_id.in_(region_ids))
    return list(db.session.scalars(query.order_by(Project.start_on.desc(), Project.id.desc()).limit(limit)))


def first_photos(project_ids) -> dict[int, ProjectPhoto]:
    """Each project's first photo of its work (for its card), by project id; receipts' photos are left out."""
    ids = list(project_ids)
    if not ids:
        return {}
    first = select(func.min(ProjectPhoto.id)).where(ProjectPhoto.project_id.in_(ids),
                                                    ProjectPhoto.update_id.is_not(None)) \
        .group_by(ProjectPhoto.project_id)
    return {p.project_id: p for p in db.session.scalars(select(ProjectPhoto).where(ProjectPhoto.id.in_(first)))}
