"""0042_budget_cycles: it adds the budget tables over a database with data, keeps one ballot per resident and
part, and going back removes them and nothing else."""

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from core.db import db

TABLES = {"budget_cycles", "budget_parts", "budget_projects", "budget_ballots", "budget_ballot_choices"}


def test_budget_cycles_migrate_up_and_down(scratch_database_url, test_config):
    from flask_migrate import downgrade, upgrade

    from server import create_app

    app = create_app({**test_config, "SQLALCHEMY_DATABASE_URI": scratch_database_url})
    with app.app_context():
        upgrade(revision="0041_password_resets_by_worker")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO regions (id, code, level, name_zh, name_en) "
                              "VALUES (1, 'C', 'county', '县', 'C')"))
            conn.execute(text("INSERT INTO users (id, email, password_hash, display_name, role, active, "
                              "session_version, created_at, region_id) VALUES (1, 'a@example.org', 'x', 'A', "
                              "'resident', true, 1, '2026-01-01', 1)"))
        assert not TABLES & set(inspect(db.engine).get_table_names())
        upgrade(revision="0042_budget_cycles")
        assert TABLES <= set(inspect(db.engine).get_table_names())
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO budget_cycles (id, region_id, title, total_minor, phase, ballot_style, "
                              "collecting_until, reviewing_until, voting_until, created_at) VALUES (1, 1, 'B', 100, "
                              "'voting', 'spending_limit', '2027-01-01', '2027-02-01', '2027-03-01', "
                              "'2026-12-01')"))
            conn.execute(text("INSERT INTO budget_parts (id, cycle_id, region_id, amount_minor) VALUES (1, 1, 1, 100)"))
            conn.execute(text("INSERT INTO budget_ballots (part_id, voter_id, channel, created_at, updated_at) "
                              "VALUES (1, 1, 'web', '2026-12-01', '2026-12-01')"))
        with pytest.raises(IntegrityError), db.engine.begin() as conn:  # a paper ballot for the same person
            conn.execute(text("INSERT INTO budget_ballots (part_id, voter_id, channel, created_at, updated_at) "
                              "VALUES (1, 1, 'paper', '2026-12-02', '2026-12-02')"))
        downgrade(revision="0041_password_resets_by_worker")
        assert not TABLES & set(inspect(db.engine).get_table_names())
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT display_name FROM users")).scalar() == "A"
        upgrade()
        downgrade(revision="base")
        db.engine.dispose()


def test_budget_open_data_migrates_up_and_down(scratch_database_url, test_config):
    """0045: cycles get a rule (the default for those there), ballots without a voter are allowed only as
    imported ones, and going back removes the imported cycles and keeps the others."""
    from flask_migrate import downgrade, upgrade

    from server import create_app

    app = create_app({**test_config, "SQLALCHEMY_DATABASE_URI": scratch_database_url})
    cycle = ("INSERT INTO budget_cycles (id, region_id, title, total_minor, phase, ballot_style, collecting_until, "
             "reviewing_until, voting_until, created_at{}) VALUES ({}, 1, 'B', 100, 'finished', 'spending_limit', "
             "'2027-01-01', '2027-02-01', '2027-03-01', '2026-12-01'{})")
    with app.app_context():
        upgrade(revision="0042_budget_cycles")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO regions (id, code, level, name_zh, name_en) "
                              "VALUES (1, 'C', 'county', '县', 'C')"))
            conn.execute(text(cycle.format("", 1, "")))
            conn.execute(text("INSERT INTO users (id, email, password_hash, display_name, role, active, "
                              "session_version, created_at, region_id) VALUES (1, 'a@example.org', 'x', 'A', "
                              "'resident', true, 1, '2026-01-01', 1)"))
            conn.execute(text("INSERT INTO budget_parts (id, cycle_id, region_id, amount_minor) VALUES (1, 1, 1, 100)"))
            conn.execute(text("INSERT INTO budget_projects (id, part_id, title, description, cost_minor, status, "
                              "created_at) VALUES (1, 1, 'Lights', '', 50, 'feasible', '2026-12-01')"))
            conn.execute(text("INSERT INTO budget_ballots (id, part_id, voter_id, channel, created_at, updated_at) "
                              "VALUES (1, 1, 1, 'web', '2026-12-01', '2026-12-01')"))
            conn.execute(text("INSERT INTO budget_ballot_choices (ballot_id, project_id) VALUES (1, 1)"))
        upgrade(revision="0045_budget_open_data")
        with db.engine.begin() as conn:  # the cycle run here keeps its parts, projects, ballots and choices
            assert conn.execute(text("SELECT rule FROM budget_cycles")).scalar() == "equalshares/add1"
            assert [conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in (
                "budget_parts", "budget_projects", "budget_ballots", "budget_ballot_choices")] == [1, 1, 1, 1]
            conn.execute(text(cycle.format(", source_meta", 2, ", '{\"description\": \"Wieliczka\"}'")))
            conn.execute(text("INSERT INTO budget_parts (id, cycle_id, region_id, amount_minor) VALUES (2, 2, 1, 100)"))
            conn.execute(text("INSERT INTO budget_ballots (id, part_id, voter_id, channel, created_at, updated_at) "
                              "VALUES (2, 2, NULL, 'imported', '2026-12-01', '2026-12-01')"))
        with pytest.raises(IntegrityError), db.engine.begin() as conn:  # a web ballot with nobody behind it
            conn.execute(text("INSERT INTO budget_ballots (id, part_id, voter_id, channel, created_at, updated_at) "
                              "VALUES (3, 2, NULL, 'web', '2026-12-01', '2026-12-01')"))
        downgrade(revision="0042_budget_cycles")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT id FROM budget_cycles")).scalars().all() == [1]
            assert conn.execute(text("SELECT count(*) FROM budget_ballots")).scalar() == 1
            assert conn.execute(text("SELECT count(*) FROM budget_ballot_choices")).scalar() == 1
        upgrade()
        downgrade(revision="base")
        db.engine.dispose()
