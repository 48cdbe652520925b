"""0046_budget_cycle_cancelling: cycles already open keep their data, a cancelled cycle needs its reason, and going
back refuses while a cycle is cancelled (the older schema cannot say so)."""

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from core.db import db


def test_budget_cycle_cancelling_migrates_up_and_down(scratch_database_url, test_config):
    from flask_migrate import downgrade, upgrade

    from server import create_app

    app = create_app({**test_config, "SQLALCHEMY_DATABASE_URI": scratch_database_url})
    with app.app_context():
        upgrade(revision="0042_budget_cycles")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO regions (id, code, level, name_zh, name_en) "
                              "VALUES (1, 'C', 'county', '县', 'C')"))
            conn.execute(text("INSERT INTO budget_cycles (id, region_id, title, total_minor, phase, ballot_style, "
                              "collecting_until, reviewing_until, voting_until, created_at) VALUES (1, 1, 'B', 100, "
                              "'voting', 'spending_limit', '2027-01-01', '2027-02-01', '2027-03-01', "
                              "'2026-12-01')"))
            conn.execute(text("INSERT INTO budget_parts (id, cycle_id, region_id, amount_minor) VALUES (1, 1, 1, 100)"))
        upgrade(revision="0046_budget_cycle_cancelling")
        with db.engine.connect() as conn:  # the cycle's table rebuilt on SQLite: its parts are not taken with it
            assert conn.execute(text("SELECT cycle_id FROM budget_parts")).all() == [(1,)]
        columns = {c["name"] for c in inspect(db.engine).get_columns("budget_cycles")}
        assert {"cancelled_at", "cancel_reason"} <= columns
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT title, phase FROM budget_cycles")).one() == ("B", "voting")
        with pytest.raises(IntegrityError), db.engine.begin() as conn:  # cancelled without a reason
            conn.execute(text("UPDATE budget_cycles SET phase = 'cancelled'"))
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE budget_cycles SET phase = 'cancelled', cancel_reason = 'Cut', "
                              "cancelled_at = '2027-02-15'"))
        with pytest.raises(SystemExit):  # flask_migrate reports the error and exits
            downgrade(revision="0042_budget_cycles")
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE budget_cycles SET phase = 'voting', cancel_reason = NULL, cancelled_at = NULL"))
        downgrade(revision="0042_budget_cycles")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT cycle_id FROM budget_parts")).all() == [(1,)]
        assert "cancel_reason" not in {c["name"] for c in inspect(db.engine).get_columns("budget_cycles")}
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT title FROM budget_cycles")).scalar() == "B"
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM budget_parts"))
        downgrade(revision="base")
        db.engine.dispose()
