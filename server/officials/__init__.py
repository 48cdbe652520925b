"""Officials' pages under /officials: their department's appeals inbox, qualified proposals and the money
ledger, and verifying residents. Project pages for officials live with the projects (server.public.projects)."""

from flask import Blueprint

from accounts.users import Role
from server.web.helpers import role_required

bp = Blueprint("officials", __name__, url_prefix="/officials")


@bp.before_request
@role_required(Role.OFFICIAL, Role.ADMIN)
def require_official():
    """Officials and admins only."""
