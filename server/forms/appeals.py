"""Forms for appeals: sending one, following it, rating its answer; and the officials' steps."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DecimalField, EmailField, SelectField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, Optional

from appeals.models import RECORDED
from server.forms.accounts import choices, coerce_id
from server.forms.items import ItemForm
from server.forms.text import at_most as _at_most
from server.web.i18n import CHANNEL_LABELS


def _required():
    return DataRequired(message=_l("This field is required."))



class AppealForm(FlaskForm):
    title = StringField(_l("Title (optional)"), validators=[Optional(), _at_most(120)],
                        description=_l("A short line naming the problem. Left empty, the first sentence of your "
                                       "text is the title."))
    body = TextAreaField(_l("What is the problem?"), validators=[_required(), _at_most(5000)],
                         description=_l("Say what is wrong, where, and since when. Similar appeals from your "
                                        "area appear below as you type."))
    category = SelectField(_l("Category"), coerce=coerce_id, validators=[_required()])
    village = SelectField(_l("Village"), coerce=coerce_id, validators=[_required()])
    address = StringField(_l("Place (optional)"), validators=[Optional(), _at_most(200)],
                          description=_l("For example: the well behind the primary school."))
    latitude = DecimalField(_l("Latitude (optional)"), places=None, validators=[Optional()],
                            render_kw={"inputmode": "decimal"})
    longitude = DecimalField(_l("Longitude (optional)"), places=None, validators=[Optional()],
                             render_kw={"inputmode": "decimal"})
    contact_phone = TelField(_l("Phone for the answer (optional)"), validators=[Optional(), _at_most(32)],
                             description=_l("Only the officials handling your appeal see it."))
    sms_ok = BooleanField(_l("Send me the answer by SMS"), default=True,
                          description=_l("A text message to that phone with the answer's first words and your receipt "
                                         "code."))
    contact_email = EmailField(_l("Email for the answer (optional)"), validators=[Optional(), _at_most(254)],
                               description=_l("Only the officials handling your appeal see it."))
    public = BooleanField(_l("Show this appeal on the public message board"), default=True,
                          description=_l("Private appeals are seen only by you and the officials."))
    language = SelectField(_l("Written in"), choices=choices(("zh_Hans", "中文"), ("en", "English")))


class RecordAppealForm(AppealForm):
    """An official writes down an appeal received by phone, letter or visit."""
    channel = SelectField(_l("How it came in"), choices=choices(
        *((channel, CHANNEL_LABELS[channel]) for channel in RECORDED)))
    contact_name = StringField(_l("Resident's name (optional)"), validators=[Optional(), _at_most(80)])
    sms_ok = BooleanField(_l("Send the answer to this phone by SMS"), default=True,
                          description=_l("Ask the resident: a text message with the answer's first words and the "
                                         "receipt code."))


class ReceiptForm(FlaskForm):
    class Meta:
        csrf = False  # a lookup changes nothing

    code = StringField(_l("Receipt code"), validators=[_required(), _at_most(40)],
                       description=_l("The eight characters you were given, for example 7KQ3-XM4P."),
                       render_kw={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"})


class RatingForm(FlaskForm):
    score = SelectField(_l("How good was the answer?"), coerce=coerce_id, validators=[_required()],
                        choices=choices(("5", _l("5 – very good")), ("4", _l("4 – good")), ("3", _l("3 – fair")),
                                        ("2", _l("2 – poor")), ("1", _l("1 – very poor"))))
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), _at_most(1000)])


class ReopenForm(FlaskForm):
    reason = TextAreaField(_l("What is still wrong?"), validators=[_required(), _at_most(2000)])


class AnswerForm(FlaskForm):
    template = SelectField(_l("Start from a template"), coerce=coerce_id, validators=[Optional()])
    body = TextAreaField(_l("Public answer"), validators=[_required(), _at_most(5000)],
                         description=_l("Everyone who can see the appeal reads this answer."))
    audio = FileField(_l("The answer in your own voice (optional)"), render_kw={"accept": "audio/*"},
                      description=_l("Residents hear it on the appeal's page and at the village kiosk, with the "
                                     "written answer beside it. Record it here, or choose a sound file (Ogg, WebM or "
                                     "WAV, at most five minutes)."))
    resolve = BooleanField(_l("The problem is solved"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[_required(), _at_most(2000)])


class DuplicateForm(FlaskForm):
    original = StringField(_l("Number of the earlier appeal"), validators=[_required(), _at_most(12)],
                           render_kw={"inputmode": "numeric"})


class ReassignForm(FlaskForm):
    department = SelectField(_l("Hand over to"), coerce=coerce_id, validators=[_required()])
    reason = TextAreaField(_l("Reason (officials only)"), validators=[_required(), _at_most(2000)])


class TranscriptForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Optional(), _at_most(120)],
                        description=_l("Left empty, the first sentence of the text is the title."))
    body = TextAreaField(_l("What the resident said"), validators=[_required(), _at_most(5000)])


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Internal note (officials only)"), validators=[_required(), _at_most(5000)])


class BulkForm(ItemForm):
    """One step for the ticked appeals (``ids``, read by server.web.helpers.ticked_ids): on the inbox, and once for
    each group of similar appeals (``meta={"item": ...}``). Each field is for some steps only: the services say
    which they need."""
    action = SelectField(_l("Step"), choices=choices(
        ("accept", _l("Accept")), ("start", _l("Start work")), ("answer", _l("Answer with the text below")),
        ("duplicate", _l("Mark as the same problem as appeal…")), ("reassign", _l("Hand over to another department"))))
    original = StringField(_l("Number of the earlier appeal (for duplicates)"), validators=[Optional(), _at_most(12)],
                           render_kw={"inputmode": "numeric"})
    body = TextAreaField(_l("Public answer (for answers)"), validators=[Optional(), _at_most(5000)])
    department = SelectField(_l("Hand over to (for handing over)"), coerce=coerce_id, validators=[Optional()])
    reason = TextAreaField(_l("Reason, officials only (for handing over)"), validators=[Optional(), _at_most(2000)])
    resolve = BooleanField(_l("The problem is solved"))


class CandidateForm(ItemForm):
    """A group of similar appeals put forward as one project candidate."""
    title = StringField(_l("Or put this problem forward as a project: what should be done?"),
                        validators=[_required(), _at_most(200)])
