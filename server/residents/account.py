"""Register, log in (with the password, or with a code by SMS), log out, change password, and residents'
self-verification by census."""

import json

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from accounts import census, code_sign_in, services
from accounts.errors import WrongPassword
from accounts.one_time_codes import WrongCode
from accounts.regions import Region
from accounts.tokens import ApiToken
from accounts.tokens import create_token as make
from accounts.tokens import revoke_token as revoke
from accounts.users import User
from core.db import db
from core.errors import DomainError
from privacy.personal_data import delete_account as delete
from privacy.personal_data import export_data
from projects.volunteering import my_shifts
from server.extensions import limiter, login_manager
from server.forms.accounts import (
    CensusForm,
    ChangePasswordForm,
    CodeLoginForm,
    DeleteAccountForm,
    LoginForm,
    RegisterForm,
    SendCodeForm,
)
from server.web import limits
from server.web.helpers import safe_next, show_error, submit, village_choices
from server.web.i18n import select_locale
from server.web.limits import in_form, refuse_when_limited

bp = Blueprint("auth", __name__)


def init_login(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(token: str):
    # The token is "id:version"; a password change bumps the version and ends old sessions.
    try:
        user_id, version = (int(part) for part in token.split(":"))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_version != version or not user.active:
        return None
    return user


def _login_limit():
    return current_app.config["MINYI_LOGIN_LIMIT"]


def _account_key():
    # Throttle per account too, so guessing one account's password from many addresses is slow.
    return "account:" + (request.form.get("identifier") or "").strip().lower()[:254]


@bp.route("/register", methods=["GET", "POST"])
@in_form(limiter.limit(_login_limit, methods=["POST"]))
def register():
    if current_user.is_authenticated:
        return redirect(url_for("web.index"))
    form = RegisterForm()
    form.village.choices = village_choices()
    user = submit(form, lambda: services.register_resident(
        phone=form.phone.data, email=form.email.data, password=form.password.data,
        display_name=form.display_name.data, village=db.session.get(Region, form.village.data),
        locale=request.cookies.get("minyi_lang"), phone_region=current_app.config["MINYI_PHONE_REGION"]),
        message=_("Welcome to Minyi! Your account is ready."))
    if user:
        login_user(user)
        return redirect(url_for("auth.account"))
    return render_template("auth/register.html", form=form), (422 if form.errors or form.form_errors else 200)


def sign_in(user: User, remember: bool):
    """Log ``user`` in on a fresh session: nothing of the session before (a form in progress, the number a code
    was asked for) carries over, and its cookie is a new one, so a session planted beforehand is of no use."""
    session.clear()
    login_user(user, remember=remember)
    current_app.logger.info("login user=%s", user.id)
    return redirect(safe_next(request.args.get("next"), url_for("web.index")))


def _login_page(form, status=200):
    return render_template("auth/login.html", form=form, codes=code_sign_in.codes_offered()), status


@bp.route("/login", methods=["GET", "POST"])
@in_form(limiter.limit(_login_limit, methods=["POST"]),
         limiter.limit(lambda: current_app.config["MINYI_ACCOUNT_LOGIN_LIMIT"], methods=["POST"], key_func=_account_key))
def login():
    form, status = LoginForm(), 200
    if form.is_submitted():
        filled_in = form.validate()
        try:
            refuse_when_limited()  # over a limit, filled in or not: the page again, saying how long to wait
            user = services.authenticate(form.identifier.data, form.password.data,
                                         current_app.config["MINYI_PHONE_REGION"]) if filled_in else None
        except DomainError as error:
            db.session.rollback()
            if isinstance(error, WrongPassword):  # counted (and the account locked after too many)
                services.note_failed_login(form.identifier.data, current_app.config["MINYI_PHONE_REGION"])
                db.session.commit()
            show_error(form, error)
            status = error.status
        else:
            if user is not None:
                db.session.commit()
                return sign_in(user, remember=form.remember.data)
            status = 422
    return _login_page(form, status)


@bp.route("/login/code/send", methods=["POST"])
@in_form(limits.sign_in_codes, limits.sign_in_code_numbers)
def send_code():
    """"Send me a code instead": the login form, sent to ask for a code by SMS. The same answer for every mobile
    number, with an account or not."""
    form = SendCodeForm()
    if submit(form, lambda: code_sign_in.ask_for_code(form.identifier.data, locale=select_locale(),
                                                      phone_region=current_app.config["MINYI_PHONE_REGION"])):
        session["sign_in_phone"] = form.identifier.data.strip()
        session["sign_in_remember"] = bool(form.remember.data)
        flash(_("If an account has this phone number, we are sending it a code by SMS. Enter it here; it works for "
                "%(minutes)d minutes.", minutes=code_sign_in.CODE_LIFETIME.seconds // 60), "info")
        return redirect(url_for("auth.code_login", next=request.args.get("next")))
    return _login_page(form, 422)


@bp.route("/login/code", methods=["GET", "POST"])
@in_form(limits.sign_in_codes)
def code_login():
    """Log in with the code from the SMS."""
    form = CodeLoginForm()
    if request.method == "GET":
        form.phone.data = session.get("sign_in_phone", "")
        form.remember.data = session.get("sign_in_remember", False)
    else:
        filled_in = form.validate_on_submit()
        try:
            refuse_when_limited()  # over the limit, filled in or not: the page again, saying how long to wait
            user = code_sign_in.sign_in_with_code(form.phone.data, form.code.data, phone_region=current_app.config[
                "MINYI_PHONE_REGION"]) if filled_in else None
        except WrongCode as error:
            db.session.commit()  # the wrong try counts
            show_error(form, error)
        except limits.Limited as error:
            show_error(form, error)
        else:
            if user is not None:
                db.session.commit()
                return sign_in(user, remember=form.remember.data)
    response = current_app.make_response((render_template(
        "auth/code.html", form=form, resend=session.get("sign_in_phone"), remember=session.get("sign_in_remember")),
        422 if form.errors or form.form_errors else 200))
    response.headers["Cache-Control"] = "no-store"  # a form for a one-time code: never kept
    return response


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("web.index"))


def _account_page(status=200, **context):
    from sqlalchemy import select


    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == current_user.id,
                                                       ApiToken.revoked_at.is_(None)).order_by(ApiToken.id)).all()
    context.setdefault("password_form", ChangePasswordForm())
    context.setdefault("census_form", CensusForm())
    context.setdefault("delete_form", DeleteAccountForm())

    return render_template("auth/account.html", tokens=tokens, shifts=my_shifts(current_user), **context), status


@bp.route("/account")
@login_required
def account():
    return _account_page()


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def create_token():
    """Make a personal API token; it is shown on this one page and never again."""
    if request.method == "GET":  # a refused form's address, reloaded: the page the form is on
        return redirect(url_for("auth.account") + "#tokens")
    try:
        _token, text = make(current_user, actor=current_user, name=request.form.get("name", ""))
    except DomainError as error:
        db.session.rollback()
        return _account_page(422, token_error=str(error.message))
    db.session.commit()
    return _account_page(201, new_token=text)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id):

    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    revoke(token, actor=current_user)
    db.session.commit()
    flash(_("The token is revoked; programs using it can no longer act for you."), "success")
    return redirect(url_for("auth.account") + "#tokens")


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    if request.method == "GET":  # a refused form's address, reloaded: the page the form is on
        return redirect(url_for("auth.account"))
    form = ChangePasswordForm()
    if submit(form, lambda: services.change_password(current_user, actor=current_user,
                                                     current_password=form.current_password.data,
                                                     new_password=form.new_password.data),
              message=_("Your password was changed. Other devices have been logged out.")):
        login_user(current_user._get_current_object())  # new token for this session; others end
        return redirect(url_for("auth.account"))
    return _account_page(422, password_form=form)


@bp.route("/account/export")
@login_required
def export_account():
    """Everything Minyi holds about the signed-in person, as a JSON file."""
    body = json.dumps(export_data(current_user), ensure_ascii=False, indent=1)
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f"attachment; filename=minyi-my-data-{current_user.id}.json"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    if request.method == "GET":  # a refused form's address, reloaded: the page the form is on
        return redirect(url_for("auth.account"))

    form = DeleteAccountForm()
    if submit(form, lambda: delete(current_user, actor=current_user, password=form.password.data),
              message=_("Your account is deleted. What you wrote stays, without your name.")):
        logout_user()
        return redirect(url_for("web.index"))
    return _account_page(422, delete_form=form)


def _census_key():
    return f"census:{current_user.id}" if current_user.is_authenticated else "census:anonymous"


@bp.route("/account/verify", methods=["GET", "POST"])
@login_required
# Per account, not per address (a whole village office may share one), and only failed tries count.
@limiter.limit(lambda: current_app.config["MINYI_CENSUS_LIMIT"], key_func=_census_key, methods=["POST"],
               deduct_when=lambda response: response.status_code == 422)
def verify_census():
    if request.method == "GET":  # a refused form's address, reloaded: the page the form is on
        return redirect(url_for("auth.account"))
    form = CensusForm()
    if submit(form, lambda: census.verify_by_census(current_user, form.id_number.data, actor=current_user,
                                                    key=current_app.config["MINYI_CENSUS_KEY"].encode()),
              message=_("You are now a verified resident.")):
        return redirect(url_for("auth.account"))
    return _account_page(422, census_form=form)
