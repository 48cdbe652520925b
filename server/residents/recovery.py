"""A new password for someone who forgot theirs: ask with a phone number or email, then follow the link from the
mail, or enter the code from the SMS; choose the new password. The pages never say whether an account exists."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from accounts import recovery
from accounts.recovery import ResetInvalid, WrongCode
from core.db import db
from server.forms.accounts import ForgotPasswordForm, NewPasswordForm, ResetCodeForm
from server.web import limits
from server.web.helpers import show_error, submit
from server.web.i18n import select_locale

bp = Blueprint("password", __name__, url_prefix="/password")


def _status(form) -> int:
    return 422 if form.errors or form.form_errors else 200


def _private(response, status=200):
    """A page with a secret in its address or form: not cached (the site's Referrer-Policy, same-origin, already
    keeps its address from other sites)."""
    response = current_app.make_response((response, status))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/forgot", methods=["GET", "POST"])
@limits.in_form(limits.password_resets, limits.password_reset_accounts)
def forgot():
    form = ForgotPasswordForm()
    channel = submit(form, lambda: recovery.request_reset(form.identifier.data,
                                                         phone_region=current_app.config["MINYI_PHONE_REGION"],
                                                         locale=select_locale()))
    if channel:
        # The same answer for a known and an unknown identifier: only its kind (email or phone) decides.
        if channel == recovery.ResetChannel.EMAIL:
            return redirect(url_for("password.sent"))
        session["reset_phone"] = form.identifier.data.strip()
        flash(_("If an account has this phone number, we sent it a code by SMS. Enter it here within 10 "
                "minutes."), "info")
        return redirect(url_for("password.code"))
    return render_template("password/forgot.html", form=form), _status(form)


@bp.route("/sent")
def sent():
    return render_template("password/sent.html")


@bp.route("/code", methods=["GET", "POST"])
@limits.in_form(limits.password_resets)
def code():
    form = ResetCodeForm()
    if request.method == "GET":
        form.phone.data = session.get("reset_phone", "")
    elif form.validate_on_submit():
        try:
            limits.refuse_when_limited()
            token = recovery.exchange_code(form.phone.data, form.code.data,
                                           phone_region=current_app.config["MINYI_PHONE_REGION"])
        except WrongCode as error:
            db.session.commit()  # the wrong try counts
            show_error(form, error)
        except limits.Limited as error:
            show_error(form, error)
        else:
            db.session.commit()
            session.pop("reset_phone", None)
            return redirect(url_for("password.reset", token=token))
    return _private(render_template("password/code.html", form=form), _status(form))


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token):
    try:
        recovery.live_reset(token)
    except ResetInvalid as error:
        db.session.rollback()
        return _private(render_template("password/invalid.html", message=error.message), error.status)
    form = NewPasswordForm()
    if submit(form, lambda: recovery.reset_password(token, form.password.data)):
        if current_user.is_authenticated:
            logout_user()  # whoever was signed in here, the new password is to be used from now on
        flash(_("Your new password is saved, and you are logged out everywhere. Log in with your new password."),
              "success")
        return redirect(url_for("auth.login"))
    return _private(render_template("password/reset.html", form=form, token=token), _status(form))
