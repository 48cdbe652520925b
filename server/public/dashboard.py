"""The public instrument panel of appeals, and the same figures as open data (CSV and JSON)."""


from flask import Blueprint, jsonify, render_template, request

from appeals.dashboard import DIMENSIONS, PERIODS, snapshot
from budgeting.queries import delivered
from core.rules import rule
from projects.figures import figures
from server.web.helpers import csv_response, parse_id

bp = Blueprint("dashboard", __name__)

#: Columns of the open-data files, in order.
FIELDS = ("key", "label", "appeals", "answered", "resolved", "overdue", "reopened", "ratings", "shown",
          "response_rate", "resolution_rate", "overdue_share", "reopen_rate", "satisfaction", "median_hours",
          "p90_hours")


def _months():
    months = parse_id(request.args.get("months"))
    return months if months in PERIODS else 12


@bp.route("/dashboard")
def dashboard():

    data = snapshot(_months())
    return render_template("dashboard/index.html", months=data["months"], total=data["all"], periods=PERIODS,
                           groups={by: data[by] for by in DIMENSIONS}, computed_at=data["computed_at"],
                           minimum=int(rule("MINYI_DASHBOARD_MIN_APPEALS")), projects=figures(),
                           delivered=delivered())


@bp.route("/dashboard.json")
def dashboard_json():
    return jsonify({**snapshot(_months()), "minimum_appeals": int(rule("MINYI_DASHBOARD_MIN_APPEALS"))})


@bp.route("/dashboard.csv")
def dashboard_csv():
    by = request.args.get("by") if request.args.get("by") in DIMENSIONS else "department"
    rows = ([("" if row.get(name) is None else row[name]) for name in FIELDS] for row in snapshot(_months())[by])
    return csv_response(f"minyi-dashboard-{by}.csv", FIELDS, rows)
