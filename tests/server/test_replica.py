"""A read replica (MINYI_DATABASE_REPLICA_URL) serves anonymous reading; signed-in residents, token clients,
every write and the health check use the primary. The "replica" here is a second database with its own
content, so the test sees which one answered."""

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from accounts.db import db
from tests.conftest import WebClient


@pytest.fixture
def replica(scratch_database_url, test_config):
    """A migrated second database holding one proposal the primary does not have."""
    from server import create_app
    from tests.conftest import _empty_all_tables

    other = create_app({**test_config, "SQLALCHEMY_DATABASE_URI": scratch_database_url})
    with other.app_context():
        upgrade()
        from accounts import organisation, services
        from accounts.users import Role
        from proposals import services as proposals

        county = organisation.create_region(actor=None, parent=None, code="RC", name_zh="县", name_en="County")
        township = organisation.create_region(actor=None, parent=county, code="RT", name_zh="镇", name_en="Town")
        village = organisation.create_region(actor=None, parent=township, code="RV", name_zh="村", name_en="Village")
        category = organisation.create_category(actor=None, code="rc", name_zh="类", name_en="Kind")
        author = services.create_user(actor=None, role=Role.RESIDENT, display_name="R", email="r@example.org",
                                      password="correct horse battery", region=village)
        author.verified_at, author.verification_method = author.created_at, "in_person"
        proposals.create_proposal(actor=author, title="Only on the replica", body="Read from the replica.",
                                  category=category, village=village)
        db.session.commit()
        yield scratch_database_url
        db.session.remove()
        _empty_all_tables(db.engine)
        db.engine.dispose()


def test_anonymous_readers_are_served_by_the_replica(make_app, replica, make_proposal, make_user):
    app = make_app(MINYI_DATABASE_REPLICA_URL=replica)
    primary = make_proposal(title="Only on the primary")
    anonymous = WebClient(app.test_client())
    page = anonymous.get("/proposals").get_data(as_text=True)
    assert "Only on the replica" in page and "Only on the primary" not in page
    assert anonymous.get("/healthz").get_json() == {"status": "ok", "database": "ok", "replica": "ok"}
    # Open311 clients send their key as a parameter: they read the primary too.
    assert "Only on the primary" in anonymous.get("/proposals?api_key=anything").get_data(as_text=True)

    # Signed in, a resident reads the primary: what they just did is there.
    resident = make_user("resident", region=primary.region, verified=True)
    signed_in = WebClient(app.test_client())
    signed_in.login(resident)
    page = signed_in.get("/proposals").get_data(as_text=True)
    assert "Only on the primary" in page and "Only on the replica" not in page
    response = signed_in.post(f"/proposals/{primary.id}/support", headers={"HX-Request": "true"})
    assert response.status_code == 200

    from voting.models import Support

    assert db.session.scalar(select(Support.proposal_id)) == primary.id  # written to the primary


def test_a_replica_url_that_is_no_database_stops_the_server(make_app):
    from server.config import ConfigError

    with pytest.raises(ConfigError, match="MINYI_DATABASE_REPLICA_URL"):
        make_app(MINYI_DATABASE_REPLICA_URL="mysql://replica/minyi")
