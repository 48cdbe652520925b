"""Forms for proposals and pledges. Amounts are typed as text and parsed by core.money."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, DateField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, NumberRange, Optional

from server.forms.accounts import choices, coerce_id
from server.forms.items import ItemForm
from server.forms.text import at_most as _at_most


def _required():
    return DataRequired(message=_l("This field is required."))



class ProposalForm(FlaskForm):
    title = StringField(_l("Title"), validators=[_required(), _at_most(200)],
                        description=_l("One line that says what should be done."))
    body = TextAreaField(_l("Your proposal"), validators=[_required(), _at_most(10_000)],
                         description=_l("What is the problem, what should be done, and who would help?"))
    category = SelectField(_l("Category"), coerce=coerce_id, validators=[_required()])
    village = SelectField(_l("Village"), coerce=coerce_id, validators=[_required()])
    scope = SelectField(_l("Who may support it"), choices=choices(
        ("village", _l("Residents of this village")), ("township", _l("Residents of the whole township")),
        ("county", _l("Residents of the whole county"))))
    language = SelectField(_l("Written in"), choices=choices(("zh_Hans", "中文"), ("en", "English")))
    address = StringField(_l("Place (optional)"), validators=[Optional(), _at_most(200)],
                          description=_l("For example: the bridge at the east end of the village."))
    latitude = DecimalField(_l("Latitude (optional)"), places=None, validators=[Optional()],
                            render_kw={"inputmode": "decimal"})
    longitude = DecimalField(_l("Longitude (optional)"), places=None, validators=[Optional()],
                             render_kw={"inputmode": "decimal"})
    goal = StringField(_l("Funding goal in yuan (optional)"), validators=[Optional(), _at_most(20)],
                       description=_l("If residents should pledge money, hours or materials toward a goal."),
                       render_kw={"inputmode": "decimal"})
    deadline = DateField(_l("Pledges close on"), validators=[Optional()],
                         description=_l("Needed with a funding goal. If the goal is reached by then, pledges "
                                        "become binding; otherwise nobody owes anything."))
    in_kind_counts = BooleanField(_l("Count pledged hours and materials toward the goal at their estimated value"))
    images = MultipleFileField(_l("Photos (optional)"), render_kw={"accept": "image/jpeg,image/png,image/webp"},
                               description=_l("JPEG, PNG or WebP, up to 8 MB each. Location data is removed."))


class PhotoForm(FlaskForm):
    images = MultipleFileField(_l("Add photos"), render_kw={"accept": "image/jpeg,image/png,image/webp"},
                               description=_l("JPEG, PNG or WebP, up to 8 MB each. Location data is removed."))
    alt_text = StringField(_l("What the photo shows (for people who cannot see it)"),
                           validators=[Optional(), _at_most(200)])


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Why are you withdrawing it?"), validators=[_required(), _at_most(2000)],
                           description=_l("Shown publicly on the proposal."))


class MoneyPledgeForm(FlaskForm):
    amount = StringField(_l("Amount in yuan"), validators=[_required(), _at_most(20)],
                         render_kw={"inputmode": "decimal"})
    anonymous = BooleanField(_l("Show my pledge as anonymous"))


class HoursPledgeForm(FlaskForm):
    hours = IntegerField(_l("Hours"), validators=[_required(), NumberRange(min=1, max=10_000)],
                         render_kw={"inputmode": "numeric"})
    skill = StringField(_l("What you can do"), validators=[_required(), _at_most(80)],
                        description=_l("For example: masonry, cooking for volunteers, driving."))
    availability = StringField(_l("When you are free (optional)"), validators=[Optional(), _at_most(200)])
    estimated_value = StringField(_l("Estimated value in yuan (optional)"), validators=[Optional(), _at_most(20)],
                                  render_kw={"inputmode": "decimal"})
    anonymous = BooleanField(_l("Show my pledge as anonymous"))


class MaterialsPledgeForm(FlaskForm):
    description = StringField(_l("Material"), validators=[_required(), _at_most(200)],
                              description=_l("For example: cement, timber, a loan of a small truck."))
    quantity = StringField(_l("Quantity"), validators=[_required(), _at_most(20)], render_kw={"inputmode": "decimal"})
    unit = StringField(_l("Unit"), validators=[_required(), _at_most(20)],
                       description=_l("For example: bags, metres, days."))
    estimated_value = StringField(_l("Estimated value in yuan (optional)"), validators=[Optional(), _at_most(20)],
                                  render_kw={"inputmode": "decimal"})
    anonymous = BooleanField(_l("Show my pledge as anonymous"))


class RejectForm(ItemForm):
    reason = TextAreaField(_l("Public reason"), validators=[_required(), _at_most(2000)])


class RecommendForm(ItemForm):
    note = TextAreaField(_l("Why (optional)"), validators=[Optional(), _at_most(1000)],
                         description=_l("The officials of the departments that decide read it with the proposal."))


class FlagForm(ItemForm):
    """A report of a proposal or a comment (which one: the ``target`` and ``target_id`` sent with it)."""

    reason = StringField(_l("What is wrong with it?"), validators=[_required(), _at_most(200)])


class HideForm(ItemForm):
    reason = TextAreaField(_l("Reason, shown to the author and the public"),
                           validators=[_required(), _at_most(2000)])


class CollectionForm(FlaskForm):
    amount = StringField(_l("Amount received in yuan"), validators=[_required(), _at_most(20)],
                         render_kw={"inputmode": "decimal"})
    method = SelectField(_l("How"), choices=choices(("cash", _l("Cash")), ("transfer", _l("Bank transfer"))))
    received_on = DateField(_l("Received on"), validators=[_required()])
    receipt_number = StringField(_l("Receipt number"), validators=[_required(), _at_most(60)])
