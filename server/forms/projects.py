"""Forms of the project pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, NumberRange, Optional

from server.forms.accounts import coerce_id
from server.forms.text import at_most as _at_most


def _required():
    return DataRequired(message=_l("This field is required."))


class ProjectForm(FlaskForm):
    title = StringField(_l("Title"), validators=[_required(), _at_most(200)])
    description = TextAreaField(_l("What will be done"), validators=[_required(), _at_most(20_000)])
    department = SelectField(_l("Responsible department"), coerce=coerce_id, validators=[_required()])
    lead = SelectField(_l("Lead official"), coerce=coerce_id, validators=[Optional()])
    budget = StringField(_l("Public funds, in yuan"), validators=[_required(), _at_most(20)],
                         render_kw={"inputmode": "decimal"})
    start_on = DateField(_l("Start"), validators=[_required()])
    target_on = DateField(_l("Target date"), validators=[_required()])
    # Three milestone rows; more can be added on the project's page.
    m1_title = StringField(_l("Milestone 1"), validators=[Optional(), _at_most(200)])
    m1_on = DateField(_l("Milestone 1 target date"), validators=[Optional()])
    m1_weight = IntegerField(_l("Milestone 1 weight"), default=1, validators=[Optional(), NumberRange(1, 100)])
    m2_title = StringField(_l("Milestone 2"), validators=[Optional(), _at_most(200)])
    m2_on = DateField(_l("Milestone 2 target date"), validators=[Optional()])
    m2_weight = IntegerField(_l("Milestone 2 weight"), default=1, validators=[Optional(), NumberRange(1, 100)])
    m3_title = StringField(_l("Milestone 3"), validators=[Optional(), _at_most(200)])
    m3_on = DateField(_l("Milestone 3 target date"), validators=[Optional()])
    m3_weight = IntegerField(_l("Milestone 3 weight"), default=1, validators=[Optional(), NumberRange(1, 100)])

    def milestones(self):
        rows = [(self.m1_title, self.m1_on, self.m1_weight), (self.m2_title, self.m2_on, self.m2_weight),
                (self.m3_title, self.m3_on, self.m3_weight)]
        return [(t.data, d.data, w.data or 1) for t, d, w in rows if (t.data or "").strip()]


PHOTO_TYPES = {"accept": "image/jpeg,image/png,image/webp"}


class UpdateForm(FlaskForm):
    body = TextAreaField(_l("Progress report (public)"), validators=[_required(), _at_most(20_000)])
    photos = MultipleFileField(_l("Photos of the work (optional)"), render_kw=PHOTO_TYPES)
    caption = StringField(_l("What the photos show (for people who cannot see them)"),
                          validators=[Optional(), _at_most(200)])


class MilestoneForm(FlaskForm):
    title = StringField(_l("Milestone"), validators=[_required(), _at_most(200)])
    target_on = DateField(_l("Target date"), validators=[_required()])
    weight = IntegerField(_l("Weight (share of the work, 1–100)"), default=1, validators=[_required(),
                                                                                         NumberRange(1, 100)])


class ExpenditureForm(FlaskForm):
    amount = StringField(_l("Amount in yuan"), validators=[_required(), _at_most(20)],
                         render_kw={"inputmode": "decimal"})
    spent_on = DateField(_l("Paid on"), validators=[_required()])
    payee = StringField(_l("Paid to"), validators=[_required(), _at_most(120)])
    purpose = StringField(_l("For what"), validators=[_required(), _at_most(300)])
    source = SelectField(_l("Whose money"), choices=[("public", _l("Public funds")),
                                                    ("residents", _l("Residents' money"))])
    receipt_number = StringField(_l("Invoice or receipt number"), validators=[Optional(), _at_most(60)])
    receipt = FileField(_l("Photo of the receipt (optional)"), render_kw=PHOTO_TYPES)


class ProjectRatingForm(FlaskForm):
    score = SelectField(_l("How well was it done?"), coerce=coerce_id, validators=[_required()],
                        choices=[(5, _l("5 – very well")), (4, _l("4 – well")), (3, _l("3 – fair")),
                                 (2, _l("2 – poorly")), (1, _l("1 – very poorly"))])
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), _at_most(2000)])


class NotDoneForm(FlaskForm):
    body = TextAreaField(_l("What is still wrong?"), validators=[_required(), _at_most(5000)])


class DeliveryForm(FlaskForm):
    hours = IntegerField(_l("Hours worked"), validators=[Optional(), NumberRange(1, 10_000)])
    quantity = StringField(_l("Quantity received"), validators=[Optional(), _at_most(20)],
                           render_kw={"inputmode": "decimal"})


class TaskForm(FlaskForm):
    title = StringField(_l("What needs doing"), validators=[_required(), _at_most(200)])
    on = DateField(_l("On"), validators=[_required()])
    hours = IntegerField(_l("Hours"), default=4, validators=[_required(), NumberRange(1, 24)])
    places = IntegerField(_l("Volunteers wanted"), default=2, validators=[_required(), NumberRange(1, 500)])
