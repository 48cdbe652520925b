"""Loading a published participatory budget election (a pabulib `.pb` file) as a read-only, finished cycle of a
region (budgeting.imports), so a county sees what each rule would choose on real past votes."""

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from accounts.regions import Region
from budgeting import imports
from core.db import db
from core.errors import DomainError
from server.admin import bp
from server.forms.budgets import ImportElectionForm
from server.web.helpers import submit


@bp.route("/budgets/import", methods=["GET", "POST"])
def import_election():
    """Upload a `.pb` file and choose its region; a bad file comes back with what is wrong, nothing kept."""
    form = ImportElectionForm()
    regions = [(r.id, r.full_name) for r in db.session.scalars(select(Region).order_by(Region.code))]
    form.region.choices = [("", _("Choose…"))] + regions

    def action():
        region = db.session.get(Region, form.region.data) if form.region.data else None
        if region is None:
            raise DomainError(_("Choose a region from the list."), field="region")
        return imports.import_pb(form.file.data.read(), region=region, actor=current_user)

    loaded = submit(form, action, message=_("The election is loaded as a finished cycle. It cannot be changed."))
    if loaded:
        return redirect(url_for("budgets.show", cycle_id=loaded.id))
    return render_template("admin/budget_import.html", form=form), 422 if request.method == "POST" else 200
