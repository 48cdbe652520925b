"""Property-based fuzzing of the whole JSON API (`/api/v1/`, the kiosk API included) from its own OpenAPI
document, with schemathesis: for every operation, generated requests (valid and invalid) never get a 5xx,
and every response matches what the document says (status codes, content types, bodies).

Every check schemathesis has runs but one: "schema-valid data is accepted". The document describes each
field's type, not every rule about it (a category must exist, a text must not be empty), so such requests
are refused with a 422 that names the field, as they should be.

Requests carry a verified resident's token, or the kiosk's on kiosk operations, with a proposal, an appeal and
a kiosk behind them. Most generated writes are refused as invalid (a category or village that does not exist,
a receipt code without the kiosk's prefix); what is tested is that every answer, refusal or not, is a
documented one and never a server error. Writes that succeed are tested with real data in tests/api/.
Bounded: MINYI_FUZZ_EXAMPLES examples per operation (30 by default), the same ones every run;
`MINYI_FUZZ_EXAMPLES=300 MINYI_FUZZ_RANDOM=1` looks further."""

import os
from datetime import timedelta
from decimal import Decimal

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from core.db import db, utcnow
from tests.helpers import NO_LIMITS, app_without_data

EXAMPLES = int(os.environ.get("MINYI_FUZZ_EXAMPLES", "30"))
#: The same examples every run (CI), unless MINYI_FUZZ_RANDOM=1 asks for new ones (to look further by hand).
RANDOM = os.environ.get("MINYI_FUZZ_RANDOM") == "1"


@pytest.fixture
def fuzzed(make_app, make_user, make_proposal, make_appeal, make_kiosk, make_region):
    """An app with something behind every operation, and the tokens to reach it."""
    from accounts.tokens import create_token
    from kiosk_fleet import kiosks
    from voting import pledges

    app = make_app(**NO_LIMITS)
    with app.app_context():
        village = make_region("village")
        resident = make_user("resident", region=village, verified=True)
        proposal = make_proposal(author=resident, goal_minor=500_000, deadline=utcnow() + timedelta(days=30))
        # Every kind of pledge, so the lists answer with every shape the document describes.
        backer = make_user("resident", region=village, verified=True)
        pledges.pledge_to(proposal, actor=backer, kind="money", amount_minor=20_000)
        pledges.pledge_to(proposal, actor=backer, kind="hours", hours=6, skill="Masonry")
        pledges.pledge_to(proposal, actor=backer, kind="materials", description="Cement", quantity=Decimal("20.5"),
                          unit="bags", estimated_value_minor=60_000, anonymous=True)
        make_appeal(author=resident)
        kiosk, code = make_kiosk(village=village)
        _kiosk, kiosk_token = kiosks.enroll(code)
        _record, resident_token = create_token(resident, actor=resident, name="fuzz")
        db.session.commit()
    app.config["FUZZ_TOKENS"] = {"resident": resident_token, "kiosk": kiosk_token}
    return app


def _document() -> dict:
    """The OpenAPI document, as the app serves it (read once, from an app with no data)."""
    return app_without_data().test_client().get("/api/v1/openapi.json").get_json()


schema = schemathesis.openapi.from_dict(_document())


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM, database=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_never_fails_and_always_answers_as_documented(case, fuzzed):
    tokens = fuzzed.config["FUZZ_TOKENS"]
    token = tokens["kiosk"] if case.path.startswith("/api/v1/kiosk") else tokens["resident"]
    case.operation.schema.app = case.operation.app = fuzzed  # this test's app and data, for every request
    case.call_and_validate(headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
                           excluded_checks=[positive_data_acceptance])
