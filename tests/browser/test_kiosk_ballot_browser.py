"""Voting in the budget at the kiosk in real Chromium on the 7-inch display (800x480), touch only: the code on
the keypad, each project read aloud with its cost and the money left, yes or no, a project that no longer fits
said so, the ballot read back, cast, kept while offline and delivered once."""

import io
import subprocess

import pytest
import soundfile
from playwright.sync_api import expect
from sqlalchemy import select

from budgeting import ballots, cycles, in_person
from budgeting.models import Ballot
from core.db import db
from kiosk.sync import deliver_due
from tests.helpers import axe_violations, wait_until


@pytest.fixture
def screen(browser, kiosk_screen):
    context = browser.new_context(locale="en-US", bypass_csp=True, viewport={"width": 800, "height": 480})
    page = context.new_page()
    yield page
    context.close()


def test_a_resident_votes_with_a_code_hears_the_ballot_and_it_arrives_once(screen, kiosk_screen, budget_county,
                                                                           make_cycle):
    place, machine, page = budget_county, kiosk_screen.machine, screen
    cycle = make_cycle("voting", projects={"east": [2_000_000, 2_500_000]}, parts={place.east: 3_000_000})
    kiosk_screen.kiosk.region_id = place.east_village.id
    _row, code = in_person.issue_code(cycle, place.east_resident, actor=place.official)
    db.session.commit()
    machine.content = kiosk_screen.client.content()  # the normal sync brings the ballots
    page.goto(kiosk_screen.url)

    page.get_by_role("button", name="Vote in the budget").click()
    expect(page.get_by_role("heading", name="Your ballot code")).to_be_visible()
    assert machine.voice.last.startswith("Type the ballot code")
    for digit in code:
        page.locator(".keypad").get_by_role("button", name=digit, exact=True).click()
    expect(page.locator(".entry")).to_have_text(in_person.format_code(code))
    assert axe_violations(page) == []
    page.get_by_role("button", name="Next").click()

    # The cheaper east project first: its cost and the money left, aloud and on screen.
    expect(page.get_by_role("heading", name="east project 1")).to_be_visible()
    expect(page.locator(".ballot-left")).to_have_text("Money left: 30,000 yuan")
    assert "It costs 20,000 yuan. Money left: 30,000 yuan." in machine.voice.last
    assert axe_violations(page) == []
    page.get_by_role("button", name="Yes").click()
    # The second no longer fits in what is left: said so, and only Next is offered.
    expect(page.get_by_role("heading", name="east project 2")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("no longer fits")
    assert "no longer fits" in machine.voice.last and page.get_by_role("button", name="Yes").count() == 0
    page.get_by_role("button", name="Next").click()
    # The county-wide part has no projects; the ballot is read back whole.
    expect(page.get_by_role("heading", name="Your ballot")).to_be_visible()
    assert "east project 1" in machine.voice.last and "no project" in machine.voice.last
    assert axe_violations(page) == []
    read_back = machine.voice.last
    wav = subprocess.run(["espeak-ng", "-v", "en", "--stdout", read_back], capture_output=True, check=True).stdout
    samples, _rate = soundfile.read(io.BytesIO(wav))
    assert machine.voice.available and len(samples) > 16000  # the kiosk's voice really says it (seconds of it)

    page.get_by_role("button", name="Cast my ballot").click()
    expect(page.get_by_role("heading", name="Thank you. Your ballot is kept and will be delivered.")).to_be_visible()
    assert kiosk_screen.outbox.ballots.counts()["queued"] == 1
    deliver_due(kiosk_screen.outbox, kiosk_screen.client, first=0.01, longest=0.05)
    assert wait_until(lambda: kiosk_screen.outbox.ballots.counts()["sent"] == 1)
    db.session.expire_all()
    recorded = db.session.scalars(select(Ballot).where(Ballot.voter_id == place.east_resident.id)
                                  .order_by(Ballot.part_id)).all()
    east_first = ballots.ballot_projects(cycles.part_for(cycle, place.east.id))[0].id
    assert [(b.channel, {c.project_id for c in b.choices}) for b in recorded] == [("kiosk", set()),
                                                                                 ("kiosk", {east_first})]
