"""A read replica (MINYI_DATABASE_REPLICA_URL) serves anonymous reading; signed-in residents, token clients,
every write and the health check use the primary. The "replica" here is a second database with its own
content, so the test sees which one answered."""


import psycopg
import psycopg.sql
import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from core.db import db
from tests.helpers import WebClient, free_port, wait_until
from tests.server.web.postgres_clusters import Clusters


def _a_verified_resident():
    """In an empty database: a county, township and village, a category, and a verified resident there."""
    from accounts import organisation, services
    from accounts.users import Role

    county = organisation.create_region(actor=None, parent=None, code="C", name_zh="县", name_en="County")
    township = organisation.create_region(actor=None, parent=county, code="T", name_zh="镇", name_en="Town")
    village = organisation.create_region(actor=None, parent=township, code="V", name_zh="村", name_en="Village")
    category = organisation.create_category(actor=None, code="k", name_zh="类", name_en="Kind")
    author = services.create_user(actor=None, role=Role.RESIDENT, display_name="R", email="r@example.org",
                                  password="correct horse battery", region=village)
    author.verified_at, author.verification_method = author.created_at, "in_person"
    return author, category, village


@pytest.fixture
def replica(scratch_database_url, test_config):
    """A migrated second database holding one proposal the primary does not have."""
    from server import create_app

    other = create_app({**test_config, "SQLALCHEMY_DATABASE_URI": scratch_database_url})
    with other.app_context():
        upgrade()
        from proposals import services as proposals

        author, category, village = _a_verified_resident()
        proposals.create_proposal(actor=author, title="Only on the replica", body="Read from the replica.",
                                  category=category, village=village)
        db.session.commit()
        yield scratch_database_url
        db.session.remove()
        db.engine.dispose()  # the database itself is dropped (or thrown away) after the test


def test_anonymous_readers_are_served_by_the_replica(make_app, replica, make_proposal, make_user):
    app = make_app(MINYI_DATABASE_REPLICA_URL=replica)
    primary = make_proposal(title="Only on the primary")
    anonymous = WebClient(app.test_client())
    page = anonymous.get("/proposals").get_data(as_text=True)
    assert "Only on the replica" in page and "Only on the primary" not in page
    assert anonymous.get("/healthz").get_json() == {"status": "ok", "database": "ok", "replica": "ok",
                                                    "replica_lag_seconds": 0}
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


def test_with_the_replica_away_visitors_are_served_by_the_primary(make_app, make_proposal):
    app = make_app(MINYI_DATABASE_REPLICA_URL="postgresql://nobody@127.0.0.1:1/none")
    make_proposal(title="Only on the primary")
    anonymous = WebClient(app.test_client())
    page = anonymous.get("/proposals")
    assert page.status_code == 200 and "Only on the primary" in page.get_data(as_text=True)
    health = anonymous.get("/healthz")
    assert health.status_code == 200 and health.get_json() == {"status": "ok", "database": "ok",
                                                               "replica": "unreachable"}


def test_a_replica_lost_in_the_middle_of_a_page_costs_the_visitor_nothing(make_app, replica, make_proposal,
                                                                          scratch_database_url, caplog):
    app = make_app(MINYI_DATABASE_REPLICA_URL=replica, MINYI_REPLICA_CHECK_SECONDS=3600)
    make_proposal(title="Only on the primary")
    anonymous = WebClient(app.test_client())
    assert "Only on the replica" in anonymous.get("/proposals").get_data(as_text=True)  # looked at: fine
    with app.app_context():  # then the replica goes away, before the next look
        db.engines["replica"].dispose()
    _drop(scratch_database_url)
    page = anonymous.get("/proposals")
    assert page.status_code == 200 and "Only on the primary" in page.get_data(as_text=True)
    assert "read replica failed on /proposals" in caplog.text
    assert "Only on the primary" in anonymous.get("/proposals").get_data(as_text=True)  # set aside meanwhile


def test_a_page_made_again_from_the_primary_keeps_its_own_answer(make_app, replica, scratch_database_url):
    """A missing page is still "not found", not an error, when the replica went away under it."""
    app = make_app(MINYI_DATABASE_REPLICA_URL=replica, MINYI_REPLICA_CHECK_SECONDS=3600)
    anonymous = WebClient(app.test_client())
    anonymous.get("/proposals")
    with app.app_context():
        db.engines["replica"].dispose()
    _drop(scratch_database_url)
    assert anonymous.get("/proposals/987654").status_code == 404


def _drop(url):
    """Take a database away from under the app."""
    if url.startswith("sqlite"):
        import os

        os.remove(url.removeprefix("sqlite:///"))
        return
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    name = plain.rsplit("/", 1)[1]
    with psycopg.connect(plain.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_a_replica_url_that_is_no_database_stops_the_server(make_app):
    from server.config import ConfigError

    with pytest.raises(ConfigError, match="MINYI_DATABASE_REPLICA_URL"):
        make_app(MINYI_DATABASE_REPLICA_URL="mysql://replica/minyi")


# A real streaming replica: a PostgreSQL primary and a hot standby of it, clusters of the test's own.

@pytest.fixture
def streaming_pair():
    """(primary URL, standby URL), start the standby, stop it: two clusters of the test's own
    (tests/server/web/postgres_clusters.py)."""
    clusters = Clusters()
    try:
        primary = clusters.create("primary", "-c wal_level=replica")
        standby_port = free_port()

        def start_standby():
            clusters.run("pg_basebackup", "-h", "127.0.0.1", "-p", clusters.ports["primary"], "-U", "postgres",
                         "-D", clusters.home / "standby", "-R", "-X", "stream", "--checkpoint=fast")
            clusters.start("standby", "-c wal_level=replica -c hot_standby=on", port=standby_port)

        standby = f"postgresql+psycopg://postgres@127.0.0.1:{standby_port}/minyi"
        yield (primary, standby), start_standby, lambda: clusters.stop("standby", "immediate")
    finally:
        clusters.remove()


def test_a_streaming_replica_is_read_while_close_behind_and_set_aside_while_behind_or_gone(
        streaming_pair, test_config):
    from accounts.regions import Category, Region
    from accounts.users import User
    from proposals import services as proposals
    from server import create_app

    (primary, standby), start_standby, stop_standby = streaming_pair
    app = create_app({**test_config, "SQLALCHEMY_DATABASE_URI": primary, "MINYI_DATABASE_REPLICA_URL": standby,
                      "MINYI_REPLICA_CHECK_SECONDS": 0, "MINYI_REPLICA_MAX_LAG_SECONDS": 1})
    with app.app_context():
        upgrade()
        start_standby()
        author, category, village = _a_verified_resident()
        db.session.commit()
        ids = author.id, category.id, village.id

    def propose(title):  # on the primary, as a resident would
        with app.app_context():
            who, kind, where = (db.session.get(model, i) for model, i in zip((User, Category, Region), ids, strict=True))
            proposals.create_proposal(actor=who, title=title, body="Seen by visitors.", category=kind,
                                      village=where)
            db.session.commit()

    visitor = WebClient(app.test_client())  # each request in its own app context, as when served

    def page():
        return visitor.get("/proposals").get_data(as_text=True)

    def health():
        return visitor.get("/healthz").get_json()

    propose("Mend the well")
    wait_until(lambda: "Mend the well" in page(), message="the replica never caught up", interval=0.2)
    assert health()["replica"] == "ok" and health()["replica_lag_seconds"] < 1

    with psycopg.connect(standby.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_pause()")  # the replica falls behind
        propose("Light the lane")
        wait_until(lambda: health()["replica"] == "behind", message="the lag was never seen", interval=0.2)
        assert "Light the lane" in page()  # read from the primary meanwhile
        assert conn.execute("SELECT count(*) FROM proposals WHERE title = 'Light the lane'").fetchone()[0] == 0
        conn.execute("SELECT pg_wal_replay_resume()")
        wait_until(lambda: health()["replica"] == "ok", message="the replica never caught up again", interval=0.2)

        upstream = conn.execute("SHOW primary_conninfo").fetchone()[0]
        conn.execute("ALTER SYSTEM SET primary_conninfo = ''")  # replication broken: it hears nothing more
        conn.execute("SELECT pg_reload_conf()")
        wait_until(lambda: health()["replica"] == "detached", interval=0.2,
                   message="a replica cut off from the primary was trusted")
        propose("Paint the school")
        assert "Paint the school" in page()  # read from the primary meanwhile
        conn.execute(psycopg.sql.SQL("ALTER SYSTEM SET primary_conninfo = {}").format(upstream))
        conn.execute("SELECT pg_reload_conf()")
    wait_until(lambda: health()["replica"] == "ok", message="the replica never came back", interval=0.2)

    stop_standby()  # the replica goes away
    now = page()
    assert "Mend the well" in now and "Light the lane" in now and "Paint the school" in now
    assert health() == {"status": "ok", "database": "ok", "replica": "unreachable"}
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
