"""A budget cycle's count for residents and the public: its progress while the worker counts, and the results
once every part is counted: winners and losers with votes and cost, in plain words why each won or lost under
the cycle's rule, what greedy counting would have chosen, and what became of each winner."""

from fractions import Fraction
from functools import partial

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from budgeting import queries, winners
from budgeting.cycles import may_manage
from budgeting.models import BudgetCycle, Rule
from budgeting.results import YUAN
from core.money import money
from projects.progress import percent_done
from server.forms.budgets import WinnerProjectForm
from server.public.budgets import RULE_TEXT, bp
from server.web.helpers import department_choices, get_or_404

TIE_BREAK = _l("Ties are always broken the same way, so counting again gives the same result. Under equal shares "
               "the cheaper project goes first, then the one with more votes, then the one entered first; when "
               "taking projects by votes, the one with more votes goes first, then the cheaper, then the one "
               "entered first.")

TIE_REASONS = {"cost": _l("it is cheaper"), "votes": _l("it has more votes"), "order": _l("it was entered first")}


def _money(amount, currency: str = "CNY") -> str:
    """A stored amount (fen, or the hundredth of a loaded election's currency; possibly a fraction of one) as
    money, to the hundredth."""
    return money(round(Fraction(amount)), currency)


def explain(facts: dict, share=None, currency: str = "CNY") -> str:
    """Why one project won or lost, in plain words, from its stored facts (budgeting.results.as_plain)."""
    _yuan = partial(_money, currency=currency)
    cost, votes, outcome = _yuan(facts["cost"]), facts["votes"], facts["outcome"]
    if outcome == "bought":
        return ngettext("Each voter had %(share)s to spend; its %(num)d supporter paid %(price)s for it.",
                        "Each voter had %(share)s to spend; its %(num)d supporters paid at most %(price)s each "
                        "(any with less left paid all they had).", votes, share=_yuan(share),
                        price=_yuan(facts["price_per_voter"]))
    if outcome == "supporters_ran_out":
        return ngettext("After %(num)d project was bought, its supporters had %(money)s left between them; it "
                        "costs %(cost)s.", "After %(num)d projects were bought, its supporters had %(money)s left "
                        "between them; it costs %(cost)s.", facts["round"], money=_yuan(facts["supporters_money"]),
                        cost=cost)
    if outcome == "too_few_votes":
        return ngettext("Its %(num)d supporter had only %(money)s to spend; it costs %(cost)s.",
                        "Its %(num)d supporters had only %(money)s between them; it costs %(cost)s.", votes,
                        money=_yuan(facts["supporters_money"]), cost=cost)
    if outcome == "no_votes":
        return _("Nobody voted for it.")
    if outcome == "funded":
        return _("Its turn came %(turn)s by votes, with %(left)s left: it fitted.", turn=facts["round"],
                 left=_yuan(facts["money_left"]))
    return _("Its turn came %(turn)s by votes, with only %(left)s left: it did not fit (it costs %(cost)s).",
             turn=facts["round"], left=_yuan(facts["money_left"]), cost=cost)


def part_view(part, result, projects) -> dict:
    """What the page shows of one counted part: its projects, winners first, each with why and greedy's verdict."""
    outcome, greedy = result.outcome, result.greedy
    _yuan = partial(_money, currency=part.cycle.currency)
    by_id = {str(p.id): p for p in projects}
    share = outcome.get("endowment")
    rows = []
    for pid, facts in outcome["projects"].items():
        project = by_id[pid]
        rows.append({"project": project, "facts": facts, "won": facts["won"],
                     "why": explain(facts, share, part.cycle.currency), "greedy_won": greedy["projects"][pid]["won"],
                     "order": outcome["winners"].index(pid) if facts["won"] else len(rows) + 1000})
    rows.sort(key=lambda row: (not row["won"], row["order"]))
    return {"part": part, "rows": rows, "voters": outcome["voters"], "spent": _yuan(outcome["spent"]),
            "share": _yuan(share) if share is not None else None, "raises": outcome.get("raises", 0),
            "step": _yuan(YUAN),
            "greedy_spent": _yuan(greedy["spent"]),
            "greedy_winners": [by_id[i] for i in greedy["winners"]],
            "differs": any(row["won"] != row["greedy_won"] for row in rows),
            "ties": [{"projects": [by_id[i].title for i in t["projects"]], "chosen": by_id[t["chosen"]].title,
                      "why": TIE_REASONS[t["decided_by"]]} for t in outcome.get("ties", [])]}


def results_context(cycle: BudgetCycle, forms=None) -> dict:
    """Everything the results page shows to the current user."""
    counted = queries.results_of(cycle)
    projects = queries.counted_projects(cycle) if counted else {}
    parts = [part_view(p, counted[p.id], projects[p.id]) for p in cycle.parts if p.id in counted]
    manages = may_manage(current_user, cycle.region)
    progress = {row["project"].project.id: percent_done(row["project"].project) for view in parts
                for row in view["rows"] if row["won"] and row["project"].project is not None}
    forms = forms or {}
    unmade = winners.unmade_winners(cycle) if manages and counted else []
    if manages:
        for winner in [*unmade, "all"]:
            key = winner if winner == "all" else winner.id
            if key not in forms:
                forms[key] = WinnerProjectForm(formdata=None, prefix=f"winner-{key}")
            forms[key].department.choices = department_choices(blank=_("Choose…"))
    return {"cycle": cycle, "parts": parts, "rule": RULE_TEXT[Rule(cycle.rule)], "tie_break": TIE_BREAK,
            "progress": progress, "manages": manages, "forms": forms, "unmade": {w.id for w in unmade},
            "count_progress": queries.count_progress(cycle)}


@bp.route("/<int:cycle_id>/results")
def results(cycle_id):
    """The results of a counted cycle, part by part; while it is counted, how far counting has come."""
    cycle = get_or_404(BudgetCycle, cycle_id)
    return render_template("budgets/results.html", **results_context(cycle))


@bp.route("/<int:cycle_id>/progress")
def progress(cycle_id):
    """The count's progress as a fragment that replaces itself while counting (htmx); without JavaScript, the
    cycle's page."""
    cycle = get_or_404(BudgetCycle, cycle_id)
    if not request.headers.get("HX-Request"):
        return redirect(url_for("budgets.show", cycle_id=cycle.id))
    return render_template("budgets/_count_progress.html", cycle=cycle, count_progress=queries.count_progress(cycle),
                           manages=may_manage(current_user, cycle.region))
