"""Pledge routes of the proposals blueprint: money, hours and materials; cancelling."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core.db import db
from core.errors import DomainError
from core.money import parse_amount
from server.forms.proposals import HoursPledgeForm, MaterialsPledgeForm, MoneyPledgeForm
from server.public.proposals import bp, page_context, visible
from server.web.helpers import get_or_404, submit
from server.web.limits import backing, in_form
from voting import pledges as pledging
from voting.models import Pledge

FORMS = {"money": MoneyPledgeForm, "hours": HoursPledgeForm, "materials": MaterialsPledgeForm}


def _optional_amount(text, field):
    return parse_amount(text, field) if (text or "").strip() else None


def _pledge_fields(kind, form):
    if kind == "money":
        return {"amount_minor": parse_amount(form.amount.data)}
    fields = {"estimated_value_minor": _optional_amount(form.estimated_value.data, "estimated_value")}
    if kind == "hours":
        fields.update(hours=form.hours.data, skill=form.skill.data, availability=form.availability.data)
    else:
        fields.update(description=form.description.data, quantity=form.quantity.data, unit=form.unit.data)
    return fields


@bp.route("/<int:proposal_id>/pledges/<any(money, hours, materials):kind>", methods=["GET", "POST"])
@in_form(backing)
@login_required
def pledge(proposal_id, kind):
    proposal = visible(proposal_id)
    if request.method == "GET":  # a refused form's address, reloaded: the page the form is on
        return redirect(url_for("proposals.show", proposal_id=proposal.id) + "#pledges")
    form = FORMS[kind](prefix=kind)  # three forms share the page: prefixes keep their ids apart
    if submit(form, lambda: pledging.pledge_to(proposal, actor=current_user, kind=kind, anonymous=form.anonymous.data,
                                               **_pledge_fields(kind, form)),
              message=_("Thank you! Your pledge is recorded. It becomes binding only if the goal is reached.")):
        return redirect(url_for("proposals.show", proposal_id=proposal.id) + "#pledges")
    return render_template("proposals/show.html", **page_context(proposal, **{f"{kind}_form": form})), 422


@bp.route("/pledges/<int:pledge_id>/cancel", methods=["POST"])
@backing
@login_required
def cancel_pledge(pledge_id):
    pledge = get_or_404(Pledge, pledge_id)
    try:
        pledging.cancel_pledge(pledge, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "warning")
    else:
        db.session.commit()
        flash(_("Your pledge is cancelled."), "success")
    return redirect(url_for("proposals.show", proposal_id=pledge.proposal_id) + "#pledges")
