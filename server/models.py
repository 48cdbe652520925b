"""Import every domain model once, so the metadata (and Alembic) sees all tables; and every module whose signal
receivers must be connected before a service runs."""

import voting.pledges  # noqa: F401  (releases pledges when a proposal closes: proposals.signals)
from accounts.code_sign_in import SignInCode  # noqa: F401
from accounts.notifications import Notification  # noqa: F401
from accounts.recovery import PasswordReset  # noqa: F401
from accounts.regions import Category, Department, Region  # noqa: F401
from accounts.tokens import ApiToken  # noqa: F401
from accounts.users import CensusEntry, User  # noqa: F401
from appeals.candidates import ProjectCandidate  # noqa: F401
from appeals.dashboard import Snapshot  # noqa: F401
from appeals.models import AnswerTemplate, Appeal, AppealEvent, AppealImage, Cosign, Rating  # noqa: F401
from budgeting.models import (  # noqa: F401
    Ballot,
    BallotChoice,
    BallotCode,
    BudgetCycle,
    BudgetPart,
    BudgetProject,
    BudgetResult,
    WinnerProject,
)
from core.audit import AuditEntry  # noqa: F401
from core.jobs import Job  # noqa: F401
from core.mail import OutgoingMail  # noqa: F401
from core.revisions import Revision  # noqa: F401
from core.sms import OutgoingSms  # noqa: F401
from kiosk_fleet.kiosks import Kiosk  # noqa: F401
from kiosk_fleet.speech_models import SpeechModel  # noqa: F401
from projects.models import Expenditure, Milestone, Project, ProjectSource, ProjectUpdate  # noqa: F401
from proposals.comments import Comment, Flag  # noqa: F401
from proposals.images import ProposalImage  # noqa: F401
from proposals.models import Proposal  # noqa: F401
from voting.models import Collection, Pledge, Support  # noqa: F401
