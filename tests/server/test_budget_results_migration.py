"""0043_budget_results: cycles opened before it count by equal shares with completion, results and the link from
a winner to its project are added over a database with data, and going back removes them and nothing else."""

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from core.db import db


def test_budget_results_migrate_up_and_down(scratch_database_url, test_config):
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
            conn.execute(text("INSERT INTO budget_projects (id, part_id, title, description, cost_minor, status, "
                              "created_at) VALUES (1, 1, 'Lights', '', 50, 'feasible', '2026-12-01')"))
            conn.execute(text("INSERT INTO departments (id, code, name_zh, name_en, region_id) "
                              "VALUES (1, 'D', '部门', 'D', 1)"))
            conn.execute(text("INSERT INTO projects (id, title, description, department_id, region_id, status, "
                              "budget_public_minor, currency, start_on, target_on, created_at) VALUES (1, 'Lights', "
                              "'', 1, 1, 'planned', 50, 'CNY', '2027-04-01', '2027-05-01', '2027-03-03')"))
        upgrade(revision="0043_budget_results")
        assert {"budget_results", "budget_winner_projects"} <= set(inspect(db.engine).get_table_names())
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT rule, count_error FROM budget_cycles")).one() == ("equalshares/add1",
                                                                                              None)
            conn.execute(text("INSERT INTO budget_winner_projects (budget_project_id, project_id) VALUES (1, 1)"))
            conn.execute(text("INSERT INTO budget_results (part_id, rule, outcome, greedy, counted_at) VALUES "
                              "(1, 'greedy', '{}', '{}', '2027-03-02')"))
        with pytest.raises(IntegrityError), db.engine.begin() as conn:  # one result per part
            conn.execute(text("INSERT INTO budget_results (part_id, rule, outcome, greedy, counted_at) VALUES "
                              "(1, 'greedy', '{}', '{}', '2027-03-03')"))
        with pytest.raises(IntegrityError), db.engine.begin() as conn:  # a rule the counting core does not know
            conn.execute(text("UPDATE budget_cycles SET rule = 'random'"))
        downgrade(revision="0042_budget_cycles")
        assert not {"budget_results", "budget_winner_projects"} & set(inspect(db.engine).get_table_names())
        assert "rule" not in {c["name"] for c in inspect(db.engine).get_columns("budget_cycles")}
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT title FROM budget_projects")).scalar() == "Lights"
            assert conn.execute(text("SELECT title FROM projects")).scalar() == "Lights"
        with db.engine.begin() as conn:  # (older migrations drop their tables empty)
            conn.execute(text("DELETE FROM projects"))
            conn.execute(text("DELETE FROM departments"))
        upgrade()
        downgrade(revision="base")
        db.engine.dispose()
