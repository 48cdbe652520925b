"""The access matrix: every route, for every kind of visitor, gets what it should: let in ("+"), kept out
("-": 401, 403, or sent to log in) or not shown ("h": 404, where existence itself is private).

Each route is tried by every role on a fresh little world (a village with a proposal, an appeal, a project, a
kiosk...), least privileged first. Web roles sign in; on the API they use their personal token, kiosks theirs.
Requests carry no form data: what is checked is the door, not the form (forms are tested in their own files).
So where a form is checked before who sends it (the API's bodies are validated first), "+" means "refused for
its content" (422), not "allowed": what each role may then do is tested with the service (e.g.
tests/appeals/test_appeals.py). A route added without an entry in ``MATRIX`` (tests/server/access_matrix.py) fails: to write one, run
``ACCESS_MATRIX_PRINT=1 pytest tests/server/test_access_matrix.py -s -k 'the route'``, check the line, add it."""

import os
import sys

import pytest

from tests.helpers import WebClient, app_without_data, url_of
from tests.server.access_matrix import MATRIX, ROLES


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
