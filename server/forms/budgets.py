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
    rule = RadioField(_l("How the votes are counted"), default="equalshares/add1", choices=[
        ("equalshares/add1", _l("Equal shares: every voter's share of the money goes to projects they chose")),
        ("greedy", _l("Most votes first, while the money lasts"))], validators=[_required()])


for _n in range(1, PART_ROWS + 1):
    setattr(CycleForm, f"part{_n}_region", SelectField(_l("Area %(n)d", n=_n), coerce=coerce_id,
                                                       validators=[Optional()]))
    setattr(CycleForm, f"part{_n}_amount", StringField(_l("Its amount, in yuan"), validators=[Optional(), at_most(20)],
                                                       render_kw={"inputmode": "decimal"}))


class EditCycleForm(FlaskForm):
    """A cycle's settings as they may change before voting; ``edit_form`` adds one amount per part."""
    title = CycleForm.title
    ballot_style = CycleForm.ballot_style
    max_choices = CycleForm.max_choices
    collecting_until = CycleForm.collecting_until
    reviewing_until = CycleForm.reviewing_until
    voting_until = CycleForm.voting_until


def edit_form(cycle, parts, **kwargs) -> EditCycleForm:
    """The edit form of ``cycle``, filled from it, with a field ``part_<id>`` for the amount of each of ``parts``
    (its parts, with their areas loaded)."""
    class Form(EditCycleForm):
        pass

    for part in parts:
        name = _l("Region-wide part") if part.region_id == cycle.region_id else part.region.name
        setattr(Form, f"part_{part.id}", StringField(_l("Amount for %(area)s, in yuan", area=name),
                                                     validators=[_required(), at_most(20)],
                                                     default=f"{part.amount_minor / 100:.2f}",
                                                     render_kw={"inputmode": "decimal"}))
    return Form(obj=cycle, **kwargs)


class CancelCycleForm(FlaskForm):
    reason = TextAreaField(_l("Public reason for cancelling"), validators=[_required(), at_most(2_000)],
                           description=_l("Residents read it on the cycle's page. Ballots already cast are kept "
                                          "but never counted."))


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


class WinnerProjectForm(FlaskForm):
    """Turning a winner (or every winner) into a project: its budget is the cost residents voted on."""
    department = SelectField(_l("Responsible department"), coerce=coerce_id, validators=[_required()])
    start_on = DateField(_l("Work starts on"), validators=[_required()])
    target_on = DateField(_l("To be finished by"), validators=[_required()])


class ImportElectionForm(FlaskForm):
    file = FileField(_l("Published election (.pb file)"), validators=[FileRequired(message=_l("Choose a file."))],
                     render_kw={"accept": ".pb,text/plain"},
                     description=_l("A file in the pabulib format (pabulib.org), with approval votes."))
    region = SelectField(_l("Region it belongs to"), coerce=coerce_id, validators=[_required()])
