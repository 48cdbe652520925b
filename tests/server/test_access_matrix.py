"""The access matrix: every route, for every kind of visitor, gets what it should: let in ("+"), kept out
("-": 401, 403, or sent to log in) or not shown ("h": 404, where existence itself is private).

Each route is tried by every role on a fresh little world (a village with a proposal, an appeal, a project, a
kiosk...), least privileged first. Web roles sign in; on the API they use their personal token, kiosks theirs.
Requests carry no form data: what is checked is the door, not the form (forms are tested in their own files).
So where a form is checked before who sends it (the API's bodies are validated first), "+" means "refused for
its content" (422), not "allowed": what each role may then do is tested with the service (e.g.
tests/proposals/test_appeals.py). A route added without an entry in ``MATRIX`` fails: to write one, run
``ACCESS_MATRIX_PRINT=1 pytest tests/server/test_access_matrix.py -s -k 'the route'``, check the line, add it."""

import os
import sys

import pytest

from tests.conftest import app_without_data
from tests.server.conftest import url_of

ROLES = ("anonymous", "revoked kiosk", "kiosk", "resident", "verified resident", "other official", "official",
         "moderator", "admin")

#: route → one sign per role, in the order of ROLES.
MATRIX: dict[str, str] = {
    # route: anonymous, revoked kiosk, kiosk, resident, verified resident, other official, official,
    # moderator, admin
    "DELETE /api/v1/pledges/<int:pledge_id>": "----+----",
    "DELETE /api/v1/proposals/<int:proposal_id>/support": "---++++++",
    "GET /": "+++++++++",
    "GET /account": "---++++++",
    "GET /account/export": "---++++++",
    "GET /admin/<any(regions, categories):kind>/<int:thing_id>/names": "--------+",
    "GET /admin/answer-templates": "--------+",
    "GET /admin/audit": "--------+",
    "GET /admin/categories": "--------+",
    "GET /admin/census": "--------+",
    "GET /admin/departments": "--------+",
    "GET /admin/departments/<int:department_id>": "--------+",
    "GET /admin/kiosks": "--------+",
    "GET /admin/kiosks/models": "--------+",
    "GET /admin/regions": "--------+",
    "GET /admin/users": "--------+",
    "GET /admin/users.csv": "--------+",
    "GET /admin/users/<int:user_id>": "--------+",
    "GET /admin/users/new": "--------+",
    "GET /api/v1/appeals": "+++++++++",
    "GET /api/v1/appeals/<int:appeal_id>": "+++++++++",
    "GET /api/v1/appeals/receipt/<code>": "+++++++++",
    "GET /api/v1/kiosk/appeals/<code>": "--+------",
    "GET /api/v1/kiosk/content": "--+------",
    "GET /api/v1/kiosk/me": "--+------",
    "GET /api/v1/kiosk/model": "--h------",
    "GET /api/v1/kiosk/model/<sha256>.zip": "--h------",
    "GET /api/v1/openapi.json": "+++++++++",
    "GET /api/v1/projects": "+++++++++",
    "GET /api/v1/projects/<int:project_id>": "+++++++++",
    "GET /api/v1/proposals": "+++++++++",
    "GET /api/v1/proposals/<int:proposal_id>": "+++++++++",
    "GET /api/v1/proposals/<int:proposal_id>/comments": "+++++++++",
    "GET /api/v1/proposals/<int:proposal_id>/pledges": "+++++++++",
    "GET /api/v1/proposals/<int:proposal_id>/support": "+++++++++",
    "GET /appeals": "+++++++++",
    "GET /appeals/<int:appeal_id>": "+++++++++",
    "GET /appeals/mine": "---++++++",
    "GET /appeals/new": "---++----",
    "GET /appeals/photos/<name>": "hhhhhhhhh",
    "GET /appeals/receipt": "+++++++++",
    "GET /appeals/similar": "+++++++++",
    "GET /comments/<int:comment_id>/edit": "----+----",
    "GET /dashboard": "+++++++++",
    "GET /dashboard.csv": "+++++++++",
    "GET /dashboard.json": "+++++++++",
    "GET /healthz": "+++++++++",
    "GET /login": "+++++++++",
    "GET /moderation": "-------++",
    "GET /notifications": "---++++++",
    "GET /officials/appeals": "-----++-+",
    "GET /officials/appeals.csv": "-----++-+",
    "GET /officials/appeals/<int:appeal_id>": "------+-+",
    "GET /officials/appeals/<int:appeal_id>/recording": "------h-h",
    "GET /officials/appeals/<int:appeal_id>/similar": "------+-+",
    "GET /officials/appeals/groups": "-----++-+",
    "GET /officials/appeals/record": "-----++-+",
    "GET /officials/candidates": "-----++-+",
    "GET /officials/projects/new": "-----hh-h",
    "GET /officials/proposals": "-----++-+",
    "GET /officials/proposals/<int:proposal_id>/ledger": "------+-+",
    "GET /officials/residents": "-----++-+",
    "GET /open311/discovery.<fmt>": "+++++++++",
    "GET /open311/v2/requests.<fmt>": "+++++++++",
    "GET /open311/v2/requests/<resource>": "+++++++++",
    "GET /open311/v2/services.<fmt>": "+++++++++",
    "GET /open311/v2/services/<resource>": "hhhhhhhhh",
    "GET /open311/v2/tokens/<resource>": "hhhhhhhhh",
    "GET /projects": "+++++++++",
    "GET /projects/<int:project_id>": "+++++++++",
    "GET /projects/<int:project_id>/payments.csv": "+++++++++",
    "GET /projects/export.csv": "+++++++++",
    "GET /projects/photos/<name>": "hhhhhhhhh",
    "GET /proposals": "+++++++++",
    "GET /proposals/<int:proposal_id>": "+++++++++",
    "GET /proposals/<int:proposal_id>/edit": "----+----",
    "GET /proposals/new": "---++----",
    "GET /proposals/photos/<name>": "hhhhhhhhh",
    "GET /register": "+++++++++",
    "POST /account/delete": "---++++++",
    "POST /account/password": "---++++++",
    "POST /account/tokens": "---++++++",
    "POST /account/tokens/<int:token_id>/revoke": "---h+hhhh",
    "POST /account/verify": "---++++++",
    "POST /admin/<any(regions, categories):kind>/<int:thing_id>/names": "--------+",
    "POST /admin/answer-templates": "--------+",
    "POST /admin/answer-templates/<int:template_id>/delete": "--------h",
    "POST /admin/categories": "--------+",
    "POST /admin/categories/<int:category_id>/active": "--------+",
    "POST /admin/census": "--------+",
    "POST /admin/departments": "--------+",
    "POST /admin/departments/<int:department_id>": "--------+",
    "POST /admin/kiosks": "--------+",
    "POST /admin/kiosks/<int:kiosk_id>/code": "--------+",
    "POST /admin/kiosks/<int:kiosk_id>/revoke": "--------+",
    "POST /admin/kiosks/models": "--------+",
    "POST /admin/kiosks/models/<int:model_id>/current": "--------h",
    "POST /admin/regions": "--------+",
    "POST /admin/users/<int:user_id>": "--------+",
    "POST /admin/users/<int:user_id>/unlock": "--------+",
    "POST /admin/users/new": "--------+",
    "POST /api/v1/appeals": "---++++++",
    "POST /api/v1/appeals/<int:appeal_id>/answers": "---++++++",
    "POST /api/v1/kiosk/appeals": "--+------",
    "POST /api/v1/kiosk/enroll": "+++++++++",
    "POST /api/v1/kiosk/heartbeat": "--+------",
    "POST /api/v1/projects/<int:project_id>/expenditures": "---++++++",
    "POST /api/v1/projects/<int:project_id>/milestones": "---++++++",
    "POST /api/v1/projects/<int:project_id>/updates": "---++++++",
    "POST /api/v1/proposals": "---++++++",
    "POST /api/v1/proposals/<int:proposal_id>/comments": "---++++++",
    "POST /api/v1/proposals/<int:proposal_id>/pledges": "---++++++",
    "POST /appeals/<int:appeal_id>/cosign": "---++++++",
    "POST /appeals/<int:appeal_id>/rate": "---++++++",
    "POST /appeals/<int:appeal_id>/reopen": "---++++++",
    "POST /appeals/new": "---++----",
    "POST /comments/<int:comment_id>/edit": "----+----",
    "POST /flags": "---++++++",
    "POST /language": "+++++++++",
    "POST /login": "+++++++++",
    "POST /logout": "+++++++++",
    "POST /moderation/<any(proposal, comment):kind>/<int:target_id>/<any(hide, restore):action>": "-------++",
    "POST /notifications": "---++++++",
    "POST /officials/appeals/<int:appeal_id>/<any(accept, start, resolve):step>": "------+-+",
    "POST /officials/appeals/<int:appeal_id>/<any(answer, reject, duplicate, reassign, note, transcript):step>":
        "------+-+",
    "POST /officials/appeals/bulk": "-----++-+",
    "POST /officials/appeals/candidates": "-----++-+",
    "POST /officials/appeals/record": "-----++-+",
    "POST /officials/projects/<int:project_id>/<any(update, milestone, expenditure, task):step>": "------+-+",
    "POST /officials/projects/<int:project_id>/complete": "------+-+",
    "POST /officials/projects/<int:project_id>/milestones/<int:milestone_id>/done": "------+-+",
    "POST /officials/projects/<int:project_id>/pledges/<int:pledge_id>/delivered": "------+-+",
    "POST /officials/projects/new": "-----hh-h",
    "POST /officials/proposals/<int:proposal_id>/ledger": "------+-+",
    "POST /officials/proposals/<int:proposal_id>/reject": "------+-+",
    "POST /officials/residents/<int:user_id>/unverify": "------+-+",
    "POST /officials/residents/<int:user_id>/verify": "------+-+",
    "POST /officials/residents/verify": "-----++-+",
    "POST /open311/v2/requests.<fmt>": "---------",
    "POST /projects/<int:project_id>/not-done": "---++++++",
    "POST /projects/<int:project_id>/rating": "---++++++",
    "POST /projects/<int:project_id>/tasks/<int:task_id>/<any(join, leave):step>": "---++++++",
    "POST /proposals/<int:proposal_id>/comments": "---++++++",
    "POST /proposals/<int:proposal_id>/edit": "----+----",
    "POST /proposals/<int:proposal_id>/photos": "---++++++",
    "POST /proposals/<int:proposal_id>/pledges/<any(money, hours, materials):kind>": "---++++++",
    "POST /proposals/<int:proposal_id>/support": "---++++++",
    "POST /proposals/<int:proposal_id>/support/withdraw": "---++++++",
    "POST /proposals/<int:proposal_id>/withdraw": "---++++++",
    "POST /proposals/new": "---++----",
    "POST /proposals/photos/<int:image_id>/remove": "---hhhhhh",
    "POST /proposals/pledges/<int:pledge_id>/cancel": "---++++++",
    "POST /register": "+++++++++",
    "PUT /api/v1/appeals/<int:appeal_id>/cosign": "---+-----",
    "PUT /api/v1/appeals/<int:appeal_id>/rating": "---++++++",
    "PUT /api/v1/projects/<int:project_id>/milestones/<int:milestone_id>/done": "------+-+",
    "PUT /api/v1/projects/<int:project_id>/rating": "---++++++",
    "PUT /api/v1/proposals/<int:proposal_id>/support": "---++++++",
}


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
    from tests.conftest import WebClient

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
