"""Admin pages: users and roles, regions, departments, categories, census import, answer templates, audit log."""

from flask import Blueprint

from accounts.users import Role
from server.web.helpers import role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@role_required(Role.ADMIN)
def require_admin():
    """Every admin page is for admins only (anonymous → login, others → 403)."""

