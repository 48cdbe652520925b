"""WTForms for the account and admin pages. Field limits match the database columns."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from core.validation import DISPLAY_NAME_MAX, PASSWORD_MAX
from server.forms.text import at_most as _at_most
from server.web.helpers import parse_id


def _required():
    return DataRequired(message=_l("This field is required."))



def choices(*pairs):
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def coerce_id(value):
    """Select fields carry ids; an empty, non-numeric or impossible choice becomes None."""
    return parse_id(value)


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes: easier than a multi-select, by touch or keyboard.

    Unknown ids (a tampered form) are dropped by the view, not reported as a riddle."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", coerce_id)
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)


class RegisterForm(FlaskForm):
    display_name = StringField(_l("Your name"), validators=[_required(), _at_most(DISPLAY_NAME_MAX)],
                               description=_l("Shown next to what you write."))
    phone = TelField(_l("Mobile phone number"), validators=[Optional(), _at_most(32)],
                     description=_l("Phone number or email: at least one."))
    email = EmailField(_l("Email"), validators=[Optional(), _at_most(254)])
    village = SelectField(_l("Your village"), coerce=coerce_id, validators=[_required()])
    password = PasswordField(_l("Password"), validators=[_required(), _at_most(PASSWORD_MAX)],
                             description=_l("At least 8 characters."))


class LoginForm(FlaskForm):
    identifier = StringField(_l("Phone number or email"), validators=[_required(), _at_most(254)])
    password = PasswordField(_l("Password"), validators=[_required(), _at_most(PASSWORD_MAX)])
    remember = BooleanField(_l("Keep me logged in on this device"))


class SendCodeForm(LoginForm):
    """The login form sent with "Send me a code instead": the password is not needed."""

    password = PasswordField(_l("Password"), validators=[Optional(), _at_most(PASSWORD_MAX)])


class CodeLoginForm(FlaskForm):
    phone = TelField(_l("Mobile phone number"), validators=[_required(), _at_most(32)])
    code = StringField(_l("Code from the SMS"), validators=[_required(), _at_most(12)],
                       render_kw={"inputmode": "numeric", "autocomplete": "one-time-code"},
                       description=_l("6 digits."))
    remember = BooleanField(_l("Keep me logged in on this device"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[_required(), _at_most(PASSWORD_MAX)])
    new_password = PasswordField(_l("New password"), validators=[_required(), _at_most(PASSWORD_MAX)],
                                 description=_l("At least 8 characters."))


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[_required(), _at_most(PASSWORD_MAX)])
    confirm = BooleanField(_l("I understand: my account goes for good; what I wrote stays, without my name."),
                           validators=[DataRequired(message=_l("Tick the box to confirm."))])


class CensusForm(FlaskForm):
    id_number = StringField(_l("ID card number"), validators=[_required(), _at_most(40)],
                            description=_l("Checked against your village's census list. Only a "
                                           "protected fingerprint of the number is kept."))


class UserEditForm(FlaskForm):
    role = SelectField(_l("Role"), validators=[_required()])
    region = SelectField(_l("Region"), coerce=coerce_id, validators=[Optional()])
    department = SelectField(_l("Department"), coerce=coerce_id, validators=[Optional()])
    active = BooleanField(_l("Account active"))


class NewUserForm(FlaskForm):
    display_name = StringField(_l("Name"), validators=[_required(), _at_most(DISPLAY_NAME_MAX)])
    phone = TelField(_l("Mobile phone number"), validators=[Optional(), _at_most(32)],
                     description=_l("Phone number or email: at least one."))
    email = EmailField(_l("Email"), validators=[Optional(), _at_most(254)])
    role = SelectField(_l("Role"), validators=[_required()])
    region = SelectField(_l("Region"), coerce=coerce_id, validators=[Optional()],
                         description=_l("Residents: their village. Staff: the region they work in."))
    department = SelectField(_l("Department"), coerce=coerce_id, validators=[Optional()],
                             description=_l("Officials only."))
    password = PasswordField(_l("Password"), validators=[_required(), _at_most(PASSWORD_MAX)],
                             description=_l("At least 8 characters. Tell it to the person; they can change it."))


class RegionForm(FlaskForm):
    code = StringField(_l("Code"), validators=[_required(), _at_most(40)])
    name_zh = StringField(_l("Chinese name"), validators=[_required(), _at_most(120)])
    name_en = StringField(_l("English name"), validators=[_required(), _at_most(120)])
    parent = SelectField(_l("Lies in"), coerce=coerce_id, validators=[Optional()])


class OutlineForm(FlaskForm):
    outline = TextAreaField(_l("Outline (GeoJSON)"), description=_l(
        "Paste a GeoJSON Polygon or MultiPolygon in WGS84 (longitude before latitude), or a Feature holding one. "
        "Leave it empty to remove the outline."))
    centre_latitude = DecimalField(_l("Latitude of the centre (optional)"), places=None, validators=[Optional()],
                                   render_kw={"inputmode": "decimal"},
                                   description=_l("Left empty, the centre of the outline is used."))
    centre_longitude = DecimalField(_l("Longitude of the centre (optional)"), places=None, validators=[Optional()],
                                    render_kw={"inputmode": "decimal"})


class NamesForm(FlaskForm):
    name_zh = StringField(_l("Chinese name"), validators=[_required(), _at_most(120)])
    name_en = StringField(_l("English name"), validators=[_required(), _at_most(120)])


class CategoryForm(FlaskForm):
    code = StringField(_l("Code"), validators=[_required(), _at_most(40)])
    name_zh = StringField(_l("Chinese name"), validators=[_required(), _at_most(120)])
    name_en = StringField(_l("English name"), validators=[_required(), _at_most(120)])


class DepartmentForm(CategoryForm):
    region = SelectField(_l("Serves region"), coerce=coerce_id, validators=[_required()])
    categories = CheckboxesField(_l("Categories it handles"), validators=[Optional()])


class DepartmentCategoriesForm(NamesForm):
    categories = CheckboxesField(_l("Categories it handles"), validators=[Optional()])
    answer_days = IntegerField(_l("Days to answer an appeal (optional)"), validators=[Optional()],
                               description=_l("Leave empty for the default deadline of all departments."),
                               render_kw={"inputmode": "numeric"})
    project_budget = StringField(_l("Public funds for projects, in yuan (optional)"),
                                 validators=[Optional(), _at_most(20)], render_kw={"inputmode": "decimal"},
                                 description=_l("Its officials see what their projects have not taken yet."))


class CensusImportForm(FlaskForm):
    file = FileField(_l("Census CSV file"), validators=[FileRequired(message=_l("Choose a file."))],
                     description=_l("UTF-8 CSV with the columns id_number and village_code."))


class ForgotPasswordForm(FlaskForm):
    identifier = StringField(_l("Phone number or email"), validators=[_required(), _at_most(254)],
                             description=_l("The one you sign in with."))


class ResetCodeForm(FlaskForm):
    phone = TelField(_l("Mobile phone number"), validators=[_required(), _at_most(32)])
    code = StringField(_l("Code from the SMS"), validators=[_required(), _at_most(12)],
                       render_kw={"inputmode": "numeric", "autocomplete": "one-time-code"},
                       description=_l("6 digits."))


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[_required(), _at_most(PASSWORD_MAX)],
                             description=_l("At least 8 characters."))
