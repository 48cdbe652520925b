"""Admin: voice kiosks. Create one (its one-time enrolment code is shown once), see which are online, their
queue, version and model, give a new code, take one out of service."""

import tempfile
from pathlib import Path

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from accounts.regions import Category, Region
from core.db import db
from core.rules import rule
from core.storage import uploads
from kiosk_fleet import kiosks, speech_models
from kiosk_fleet.kiosks import Kiosk
from kiosk_fleet.speech_models import SpeechModel
from server.admin import bp
from server.extensions import csrf
from server.forms.accounts import coerce_id
from server.web.helpers import category_choices, get_or_404, submit, village_choices

STATES = ("offline", "online", "new", "revoked")  # the list's order: what needs attention first


class KioskForm(FlaskForm):
    name = StringField(_l("Where it stands"), validators=[DataRequired(message=_l("This field is required.")),
                                                          Length(max=80)])
    village = SelectField(_l("Village"), coerce=coerce_id,
                          validators=[DataRequired(message=_l("Choose the village the kiosk serves."))])
    category = SelectField(_l("Category of appeals sent without one"), coerce=coerce_id,
                           validators=[DataRequired(message=_l("Choose a category."))])
    language = SelectField(_l("Language"), choices=[("zh_Hans", "中文"), ("en", "English")])


@bp.route("/kiosks", methods=["GET", "POST"])
def kiosks_page():
    form = KioskForm()
    form.village.choices = village_choices()
    form.category.choices = category_choices()
    made = submit(form, lambda: kiosks.create_kiosk(
        actor=current_user, name=form.name.data, village=db.session.get(Region, form.village.data or 0),
        category=db.session.get(Category, form.category.data or 0), language=form.language.data))
    if made:
        kiosk, code = made
        return render_template("admin/kiosk_code.html", kiosk=kiosk, code=code)
    rows = db.session.scalars(select(Kiosk).options(selectinload(Kiosk.region))).all()
    state = request.args.get("state") if request.args.get("state") in STATES else None
    shown = sorted((k for k in rows if state is None or k.state == state),
                   key=lambda k: (STATES.index(k.state), k.name.casefold()))
    counts = {s: sum(1 for k in rows if k.state == s) for s in STATES}
    return render_template("admin/kiosks.html", form=form, kiosks=shown, state=state, counts=counts,
                           action_form=FlaskForm()), 422 if form.errors else 200


@bp.route("/kiosks/<int:kiosk_id>/code", methods=["POST"])
def kiosk_new_code(kiosk_id):
    kiosk = get_or_404(Kiosk, kiosk_id)
    code = submit(FlaskForm(), lambda: kiosks.new_enrolment_code(kiosk, actor=current_user))
    if not code:
        return redirect(url_for("admin.kiosks_page"))
    return render_template("admin/kiosk_code.html", kiosk=kiosk, code=code)


@bp.route("/kiosks/<int:kiosk_id>/revoke", methods=["POST"])
def kiosk_revoke(kiosk_id):
    kiosk = get_or_404(Kiosk, kiosk_id)
    submit(FlaskForm(), lambda: kiosks.revoke(kiosk, actor=current_user),
           message=_("%(name)s is out of service: its token no longer works.", name=kiosk.name))
    return redirect(url_for("admin.kiosks_page"))


class ModelForm(FlaskForm):
    archive = FileField(_l("Vosk model archive (.zip)"), validators=[FileRequired(_l("Choose the archive."))])
    language = SelectField(_l("For kiosks speaking"), choices=[("zh_Hans", "中文"), ("en", "English")])


@bp.route("/kiosks/models", methods=["GET", "POST"])
def speech_models_page():
    """The speech models kiosks install; the current one of each language is what they fetch."""
    if request.method == "POST":  # a model is far larger than any other upload
        request.max_content_length = int(rule("MINYI_KIOSK_MODEL_MAX_BYTES"))
    form = ModelForm()

    def add():
        with tempfile.NamedTemporaryFile(suffix=".zip") as upload:
            form.archive.data.save(upload)
            upload.flush()
            return speech_models.add_model(actor=current_user, archive=Path(upload.name),
                                           storage=uploads().area("models"), language=form.language.data,
                                           name=Path(form.archive.data.filename or "").stem or None)

    if submit(form, add, message=_("Added. Kiosks speaking this language will install it.")):
        return redirect(url_for("admin.speech_models_page"))
    rows = db.session.scalars(select(SpeechModel).order_by(SpeechModel.created_at.desc())).all()
    return render_template("admin/speech_models.html", form=form, models=rows), 422 if form.errors else 200


# The site-wide CSRF check reads the body before the view can raise the size limit (a model is larger than any
# other upload); the form itself still checks the CSRF token.
csrf.exempt(speech_models_page)


@bp.route("/kiosks/models/<int:model_id>/current", methods=["POST"])
def speech_model_current(model_id):
    model = get_or_404(SpeechModel, model_id)
    submit(FlaskForm(), lambda: speech_models.make_current(model, actor=current_user),
           message=_("Kiosks speaking this language will install %(name)s.", name=model.name))
    return redirect(url_for("admin.speech_models_page"))
