"""Flask extension objects, bound to an app in ``create_app``."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

from core.db import db

migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address)
talisman = Talisman()
htmx = Htmx()

__all__ = ["db", "migrate", "babel", "csrf", "login_manager", "limiter", "talisman", "htmx"]
