"""Forms of participatory budgeting: opening a cycle, submitting and reviewing projects, loading a published
election."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, NumberRange, Optional

from server.forms.accounts import coerce_id
from server.forms.text import at_most

#: How many separate parts (townships or villages) the opening form offers.
PART_ROWS = 4


def _required():
    return DataRequired(message=_l("This field is required."))


class CycleForm(FlaskForm):
    region = SelectField(_l("Region whose residents decide"), coerce=coerce_id, validators=[_required()])
    title = StringField(_l("Name of the cycle"), validators=[_required(), at_most(200)])
    total = StringField(_l("Total budget, in yuan"), validators=[_required(), at_most(20)],
                        render_kw={"inputmode": "decimal"})
    ballot_style = RadioField(_l("What limits a ballot"), default="spending_limit", choices=[
        ("spending_limit", _l("The chosen projects must fit the budget")),
        ("up_to_k", _l("At most a number of projects")),
        ("both", _l("Both: fit the budget and at most a number of projects"))], validators=[_required()])
    max_choices = IntegerField(_l("Most projects on one ballot"), validators=[Optional(), NumberRange(1, 1000)],
                               description=_l("Only for the styles that limit the number of projects."))
    collecting_until = DateField(_l("Projects can be entered until"), validators=[_required()])
    reviewing_until = DateField(_l("Officials review them until"), validators=[_required()])
    voting_until = DateField(_l("Voting ends on"), validators=[_required()])


for _n in range(1, PART_ROWS + 1):
    setattr(CycleForm, f"part{_n}_region", SelectField(_l("Area %(n)d", n=_n), coerce=coerce_id,
                                                       validators=[Optional()]))
    setattr(CycleForm, f"part{_n}_amount", StringField(_l("Its amount, in yuan"), validators=[Optional(), at_most(20)],
                                                       render_kw={"inputmode": "decimal"}))


class SubmitProjectForm(FlaskForm):
    title = StringField(_l("Project name"), validators=[_required(), at_most(200)])
    description = TextAreaField(_l("What would be done"), validators=[_required(), at_most(5_000)])
    cost = StringField(_l("What it would cost, in yuan"), validators=[_required(), at_most(20)],
                       render_kw={"inputmode": "decimal"})


class ReviewForm(FlaskForm):
    verdict = RadioField(_l("Decision"), choices=[("feasible", _l("Feasible: on the ballot")),
                                                  ("rejected", _l("Rejected: not on the ballot"))],
                         validators=[_required()])
    cost = StringField(_l("Cost, in yuan"), validators=[_required(), at_most(20)],
                       render_kw={"inputmode": "decimal"})
    reason = TextAreaField(_l("Public reason"), validators=[Optional(), at_most(2_000)],
                           description=_l("Needed when the cost changes or the project is rejected."))


class ImportElectionForm(FlaskForm):
    file = FileField(_l("Published election (.pb file)"), validators=[FileRequired(message=_l("Choose a file."))],
                     render_kw={"accept": ".pb,text/plain"},
                     description=_l("A file in the pabulib format (pabulib.org), with approval votes."))
    region = SelectField(_l("Region it belongs to"), coerce=coerce_id, validators=[_required()])
