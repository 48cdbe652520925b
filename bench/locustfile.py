"""What the simulated residents of bench/load_test.py do (locust). Each user is a different verified resident,
logged in by a signed session cookie, in their own language: browsing, searching, reading, supporting and
pledging to proposals of their area, and filing appeals about their village. The data file (MINYI_LOAD_DATA)
comes from load_test.py; MINYI_LOAD_FLOOR=1 makes every user ask for the framework floor's page only."""

import json
import os
import random
from urllib.parse import quote

from locust import HttpUser, between, constant, task

DATA = json.load(open(os.environ["MINYI_LOAD_DATA"])) if os.environ.get("MINYI_LOAD_DATA") else {}
RESIDENTS = list(DATA.get("residents", []))
random.Random(7).shuffle(RESIDENTS)
#: As nginx in front of gunicorn (deploy/nginx/minyi.conf), a connection per request. Kept open, a connection
#: may be reset when a worker is recycled (max_requests) just as a request arrives on it: one such reset was the
#: only error of the first full run (docs/performance.md); behind nginx it cannot happen.
HEADERS = {"Connection": "close"}


class Resident(HttpUser):
    """A resident with a few minutes to spare: a page every one to three seconds."""

    wait_time = between(1, 3)

    def on_start(self):
        self.me = RESIDENTS.pop() if RESIDENTS else random.choice(DATA["residents"])
        self.client.cookies.set("session", self.me["cookie"])
        self.client.headers.update(HEADERS)
        self.client.headers["Accept-Language"] = random.choice(["zh-CN,zh;q=0.9", "en"])
        self.supportable = list(self.me["supportable"])
        self.fundable = list(self.me["fundable"])

    @task(8)
    def proposals(self):
        sort = random.choice(["", "?sort=top", "?sort=trending", "?sort=closing"])
        self.client.get("/proposals" + sort, name="/proposals")

    @task(6)
    def proposal(self):
        self.client.get(f"/proposals/{random.choice(DATA['proposals'])}", name="/proposals/[id]")

    @task(3)
    def search(self):
        self.client.get("/proposals?q=" + quote(random.choice(DATA["terms"])), name="/proposals?q=[term]")

    @task(4)
    def board(self):
        self.client.get("/appeals", name="/appeals")

    @task(3)
    def appeal(self):
        self.client.get(f"/appeals/{random.choice(DATA['appeals'])}", name="/appeals/[id]")

    @task(2)
    def dashboard(self):
        self.client.get("/dashboard", name="/dashboard")

    @task(1)
    def projects(self):
        self.client.get("/projects", name="/projects")

    @task(3)
    def support(self):
        if not self.supportable:
            return self.proposal()
        proposal = self.supportable.pop()
        with self.client.post(f"/proposals/{proposal}/support", data={"csrf_token": DATA["csrf"]},
                              headers={"HX-Request": "true"}, name="POST /proposals/[id]/support",
                              catch_response=True) as response:
            if response.status_code == 200 and "badge-ok" not in response.text:
                response.failure("the support was not counted")

    @task(1)
    def pledge(self):
        if not self.fundable:
            return self.proposal()
        proposal = random.choice(self.fundable)
        self.client.post(f"/proposals/{proposal}/pledges/money",
                         data={"money-csrf_token": DATA["csrf"], "money-amount": str(random.randint(10, 500))},
                         name="POST /proposals/[id]/pledges/money")

    @task(2)
    def type_an_appeal(self):
        text = random.choice(DATA["appeal_texts"])
        self.client.get(f"/appeals/similar?body={quote(text[:40])}&village={self.me['village']}",
                        name="/appeals/similar")

    @task(1)
    def file_appeal(self):
        text = random.choice(DATA["appeal_texts"])
        self.client.post("/appeals/new", data={
            "csrf_token": DATA["csrf"], "body": text, "category": str(random.choice(DATA["categories"])),
            "village": str(self.me["village"]), "public": "y", "language": "zh_Hans"}, name="POST /appeals/new")


class Floor(HttpUser):
    """The framework's floor: one page of the same size from a minimal Flask app, as fast as it comes."""

    wait_time = constant(0)

    def on_start(self):
        self.client.headers.update(HEADERS)

    @task
    def page(self):
        self.client.get("/", name="floor: /")


class HotPage(HttpUser):
    """The app's hot page (MINYI_LOAD_PATH), as fast as it comes, anonymous: the counterpart of Floor."""

    wait_time = constant(0)

    def on_start(self):
        self.client.headers.update(HEADERS)

    @task
    def page(self):
        self.client.get(os.environ.get("MINYI_LOAD_PATH", "/proposals"), name="hot: " + os.environ.get(
            "MINYI_LOAD_PATH", "/proposals"))
