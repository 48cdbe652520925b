"""The access matrix: every route, for every kind of visitor, gets what it should: let in ("+"), kept out
("-": 401, 403, or sent to log in) or not shown ("h": 404, where existence itself is private).

Each route is tried by every role on a fresh little world (a village with a proposal, an appeal, a project, a
kiosk...), least privileged first. Web roles sign in; on the API they use their personal token, kiosks theirs.
Requests carry no form data: what is checked is the door, not the form (forms are tested in their own files).
So where a form is checked before who sends it (the API's bodies are validated first), "+" means "refused for
its content" (422), not "allowed": what each role may then do is tested with the service (e.g.
tests/appeals/test_appeals.py). A route added without an entry in ``MATRIX`` (tests/server/access_matrix.py) fails: to write one, run
``ACCESS_MATRIX_PRINT=1 pytest tests/server/test_access_matrix.py -s -k 'the route'``, check the line, add it.

The roles' officials are of the department handling the world's category and of another county's; deciding on a
qualified proposal also depends on the department within the area, so ``DECIDING`` adds the official of another
field in the same county."""

import os
import sys

import pytest

from core.db import db
from tests.helpers import WebClient, app_without_data, url_of
from tests.server.access_matrix import DECIDERS, DECIDING, MATRIX, ROLES


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield f"{method} {rule.rule}"


def _sign(response) -> str:
    if response.status_code in (401, 403) or (response.status_code in (301, 302, 303)
                                              and "/login" in response.headers.get("Location", "")):
        return "-"
    return "h" if response.status_code == 404 else "+"


def _try(world_, route: str) -> str:
    app, users, ids, tokens = world_
    method, rule = route.split(" ", 1)
    url = url_of(rule, ids)
    signs = []
    for role in ROLES:
        client = WebClient(app.test_client())
        headers = {}
        if role in users and not rule.startswith("/api/"):
            signed = client.post("/login", {"identifier": users[role].login_name,
                                            "password": "correct horse battery"}, csrf=False)
            assert signed.status_code == 302, role
        if role in tokens and rule.startswith("/api/"):
            headers["Authorization"] = f"Bearer {tokens[role]}"
        response = client.raw.open(url, method=method, headers=headers)
        signs.append(_sign(response))
    return "".join(signs)


def _all_routes() -> list[str]:
    """Every route of the app (read once, from an app with no data)."""
    return sorted(set(_routes(app_without_data())))


ROUTES = _all_routes()


@pytest.mark.parametrize("route", ROUTES)
def test_the_door_of(route, world):
    found = _try(world, route)
    if os.environ.get("ACCESS_MATRIX_PRINT"):  # to write a new route's entry: run with this set, read, check
        print(f'    "{route}": "{found}",', file=sys.stderr)
        return
    assert route in MATRIX, f"{route} has no entry in MATRIX (who may use it?)"
    assert found == MATRIX[route], f"{route}: {' '.join(ROLES)}"


@pytest.fixture
def qualified(world, make_department, make_user, make_proposal, make_category):
    """The world, a qualified proposal of its category in its village, and who may knock: DECIDERS, by name."""
    from proposals.models import Proposal, ProposalStatus

    app, users, ids, _tokens = world
    accepted = db.session.get(Proposal, ids["proposal_id"])
    proposal = make_proposal(author=accepted.author, category=accepted.category, title="A doctor twice a week")
    proposal.status = ProposalStatus.QUALIFIED
    another_field = make_department(region=accepted.region.path[0], categories=[make_category()])
    people = {"deciding official": users["official"], "official of another field": make_user(
        "official", department=another_field), "other county's official": users["other official"],
              "admin": users["admin"]}
    db.session.commit()
    return app, people, {**ids, "proposal_id": proposal.id}


@pytest.mark.parametrize("route", sorted(DECIDING))
def test_the_door_of_deciding_on_a_qualified_proposal(route, qualified):
    """Promoting and rejecting: only the department handling the category there (and an admin); recommending:
    the officials of the area."""
    app, people, ids = qualified
    method, rule = route.split(" ", 1)
    signs = []
    for name in DECIDERS:
        client = WebClient(app.test_client())
        assert client.post("/login", {"identifier": people[name].login_name, "password": "correct horse battery"},
                           csrf=False).status_code == 302
        signs.append(_sign(client.raw.open(url_of(rule, ids), method=method)))
    assert "".join(signs) == DECIDING[route], f"{route}: {' '.join(DECIDERS)}"
