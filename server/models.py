"""Import every domain model once, so the metadata (and Alembic) sees all tables."""

from accounts.audit import AuditEntry  # noqa: F401
from accounts.kiosks import Kiosk  # noqa: F401
from accounts.speech_models import SpeechModel  # noqa: F401
from accounts.jobs import Job  # noqa: F401
from accounts.mail import OutgoingMail  # noqa: F401
from accounts.notifications import Notification  # noqa: F401
from accounts.tokens import ApiToken  # noqa: F401
from accounts.regions import Category, Department, Region  # noqa: F401
from accounts.users import CensusEntry, User  # noqa: F401
from proposals.appeals import AnswerTemplate, Appeal, AppealEvent, AppealImage, Cosign, Rating  # noqa: F401
from proposals.candidates import ProjectCandidate  # noqa: F401
from proposals.projects import Expenditure, Milestone, Project, ProjectSource, ProjectUpdate  # noqa: F401
from proposals.comments import Comment, Flag  # noqa: F401
from proposals.dashboard import Snapshot  # noqa: F401
from proposals.images import ProposalImage  # noqa: F401
from proposals.models import Proposal  # noqa: F401
from voting.models import Collection, Pledge, Support  # noqa: F401
