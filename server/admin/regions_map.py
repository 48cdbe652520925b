"""Admin: a region's outline and centre, for the maps (pasted GeoJSON, checked by accounts.geography)."""

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from accounts.geography import centre_is_outlines, set_outline, with_outline
from server.admin import bp
from server.forms.accounts import OutlineForm
from server.web.helpers import submit


def _number(value):
    return float(value) if value is not None else None


@bp.route("/regions/<int:region_id>/outline", methods=["GET", "POST"])
def region_outline(region_id):
    region = with_outline(region_id) or abort(404)
    given = (region.centre_latitude, region.centre_longitude)
    if centre_is_outlines(region):
        given = (None, None)  # the outline's own centre: left empty, it follows a new outline
    form = OutlineForm(data=None if request.method == "POST" else {
        "outline": region.outline or "", "centre_latitude": given[0], "centre_longitude": given[1]})

    def save():
        set_outline(region, actor=current_user, outline=form.outline.data,
                    latitude=_number(form.centre_latitude.data), longitude=_number(form.centre_longitude.data))

    if submit(form, save, message=_("Saved.")):
        return redirect(url_for("admin.region_outline", region_id=region.id))
    return render_template("admin/region_outline.html", region=region, form=form), \
        422 if form.errors or form.form_errors else 200
