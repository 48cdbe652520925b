"""Projects: the public list and page (timeline, milestones, money trail), and the officials' side (make a
project of qualified proposals or appeals, report progress, milestones, payments)."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from accounts.regions import Department, region_tree
from accounts.users import Role, User
from appeals.models import Appeal
from appeals.queries import public_appeals
from budgeting.queries import budget_origin
from core.db import db
from core.money import parse_amount
from core.storage import uploads
from projects.models import (
    Expenditure,
    Milestone,
    Project,
    ProjectPhoto,
    ProjectRating,
    ProjectStatus,
    ProjectTask,
    ProjectUpdate,
)
from projects.money import money_trail, money_trails, record_expenditure
from projects.permissions import may_edit
from projects.progress import (
    add_milestone,
    complete_milestone,
    complete_project,
    late_milestones,
    percent_done,
    photos_of,
    post_update,
)
from projects.promotion import promote_to_project
from projects.queries import public_projects
from projects.ratings import may_rate, rate_project, rating_of, report_not_done
from projects.recommendations import check_promoter
from projects.volunteering import add_task, confirm_delivery, may_volunteer, sign_up, withdraw_signup
from proposals.models import Proposal
from server.forms.projects import (
    DeliveryForm,
    ExpenditureForm,
    MilestoneForm,
    NotDoneForm,
    ProjectForm,
    ProjectRatingForm,
    TaskForm,
    UpdateForm,
)
from server.officials import bp as officials_bp
from server.public.proposals import serve_photo, stored_photo
from server.web.cards import project_cards
from server.web.helpers import button_action, csv_response, department_choices, get_or_404, parse_id, submit
from server.web.limits import backing, in_form, limited_posting
from server.web.pagination import keyset
from voting.models import Pledge, PledgeKind, PledgeStatus
from voting.pledges import backer_shown_to

bp = Blueprint("projects", __name__, url_prefix="/projects")


@bp.route("")
def index():
    """Every project, newest first; filter by status."""
    status = request.args.get("status")
    query = public_projects(status=status).options(selectinload(Project.milestones),
                                                   selectinload(Project.department))
    rows, following, args = keyset(query, [Project.id])
    return render_template("projects/index.html", projects=rows, following=following, args=args, status=status,
                           cards=project_cards(rows), late=late_milestones, statuses=list(ProjectStatus))


@bp.route("/export.csv")
def export():
    """Open data: every project with its money by source (minor units), for spreadsheets."""
    rows = db.session.scalars(select(Project).options(selectinload(Project.milestones),
                                                      selectinload(Project.department)).order_by(Project.id)).all()
    names = region_tree().full_names("zh_Hans")
    moneys = money_trails(rows)

    def row(p):
        m = moneys[p.id]
        return [p.id, p.title, p.status, names.get(p.region_id, ""), p.department.code, p.start_on.isoformat(),
                p.target_on.isoformat(), percent_done(p), len(late_milestones(p)), p.currency,
                m.budget_public, m.pledged_money, m.collected, m.pledged_in_kind, m.spent_public, m.spent_residents,
                m.total_remaining]

    return csv_response("projects.csv", [
        "id", "title", "status", "region", "department", "start_on", "target_on", "progress_percent",
        "late_milestones", "currency", "budget_public", "pledged_money", "collected", "pledged_in_kind",
        "spent_public", "spent_residents", "remaining"], (row(p) for p in rows))


@bp.route("/<int:project_id>/payments.csv")
def payments_export(project_id):
    """Open data: the project's money trail, one payment a row (minor units)."""
    project = get_or_404(Project, project_id)
    rows = db.session.scalars(select(Expenditure).where(Expenditure.project_id == project.id)
                              .order_by(Expenditure.spent_on, Expenditure.id))
    return csv_response(f"project-{project.id}-payments.csv",
                        ["id", "spent_on", "amount", "currency", "source", "payee", "purpose", "receipt_number"],
                        ([e.id, e.spent_on.isoformat(), e.amount_minor, project.currency, e.source, e.payee,
                          e.purpose, e.receipt_number or ""] for e in rows))


def page_context(project, **forms):
    updates = db.session.scalars(select(ProjectUpdate).where(ProjectUpdate.project_id == project.id)
                                 .options(selectinload(ProjectUpdate.author)).order_by(ProjectUpdate.id.desc())).all()
    payments = db.session.scalars(select(Expenditure).where(Expenditure.project_id == project.id)
                                  .order_by(Expenditure.spent_on.desc(), Expenditure.id.desc())).all()
    viewer = current_user if current_user.is_authenticated else None
    editor = may_edit(viewer, project)

    in_kind = db.session.scalars(select(Pledge).where(
        Pledge.project_id == project.id, Pledge.kind != PledgeKind.MONEY,
        Pledge.status.in_((PledgeStatus.PLEDGED, PledgeStatus.COMMITTED))).options(selectinload(Pledge.backer))
        .order_by(Pledge.id)).all()
    follow_ups = db.session.scalars(public_appeals().where(Appeal.follow_up_project_id == project.id)
                                    .order_by(Appeal.id)).all()
    mine = db.session.scalar(select(ProjectRating).where(ProjectRating.project_id == project.id,
                                                         ProjectRating.user_id == viewer.id)) if viewer else None
    context = {"project": project, "updates": updates, "payments": payments, "money": money_trail(project),
               "progress": percent_done(project), "late": late_milestones(project), "editor": editor,
               "in_kind": in_kind, "shows_backer": lambda p: backer_shown_to(p, viewer), "follow_ups": follow_ups,
               "score": rating_of(project), "may_rate": may_rate(viewer, project),
               "photos": photos_of(project), "tasks": _tasks(project),
               "volunteer": may_volunteer(viewer, project),
               "rating_form": forms.get("rating_form") or ProjectRatingForm(obj=mine),
               "not_done_form": forms.get("not_done_form") or NotDoneForm(), "delivery_form": DeliveryForm(),
               "budget_origin": budget_origin(project)}
    if editor:
        context.update(task_form=forms.get("task_form") or TaskForm(),
                       update_form=forms.get("update_form") or UpdateForm(),
                       milestone_form=forms.get("milestone_form") or MilestoneForm(),
                       expenditure_form=forms.get("expenditure_form") or ExpenditureForm())
    return context


def _tasks(project):

    return db.session.scalars(select(ProjectTask).where(ProjectTask.project_id == project.id)
                              .options(selectinload(ProjectTask.signups)).order_by(ProjectTask.on, ProjectTask.id)).all()


@bp.route("/<int:project_id>/tasks/<int:task_id>/<any(join, leave):step>", methods=["POST"])
@backing
@login_required
def shift(project_id, task_id, step):
    """A volunteer takes (or gives back) a place on a shift."""
    task = get_or_404(ProjectTask, task_id)
    if task.project_id != project_id:
        abort(404)
    button_action(lambda: (sign_up if step == "join" else withdraw_signup)(task, actor=current_user),
                  message=_("You are signed up. Thank you!") if step == "join" else _("Your place is given back."))
    return redirect(url_for("projects.show", project_id=project_id) + "#shifts")


@bp.route("/<int:project_id>")
def show(project_id):
    return render_template("projects/show.html", **page_context(get_or_404(Project, project_id)))


@bp.route("/<int:project_id>/rating", methods=["GET", "POST"])
@in_form(backing)
@login_required
def rate(project_id):
    project = get_or_404(Project, project_id)
    if request.method == "GET":  # a refused form's address, reloaded: the page the form is on
        return redirect(url_for("projects.show", project_id=project.id) + "#judging")
    form = ProjectRatingForm()
    if submit(form, lambda: rate_project(project, actor=current_user, score=form.score.data,
                                                  comment=form.comment.data), message=_("Thank you for your rating.")):
        return redirect(url_for("projects.show", project_id=project.id) + "#judging")
    return render_template("projects/show.html", **page_context(project, rating_form=form)), 422


@bp.route("/<int:project_id>/not-done", methods=["GET", "POST"])
@in_form(limited_posting)
@login_required
def not_done(project_id):
    """A resident says the finished project did not solve the problem: a follow-up appeal."""
    project = get_or_404(Project, project_id)
    if request.method == "GET":  # a refused form's address, reloaded: the page the form is on
        return redirect(url_for("projects.show", project_id=project.id) + "#judging")
    form = NotDoneForm()
    appeal = submit(form, lambda: report_not_done(project, actor=current_user, body=form.body.data),
                    message=_("Your appeal about the project was sent to its department."))
    if appeal:
        return redirect(url_for("appeals.show", appeal_id=appeal.id))
    return render_template("projects/show.html", **page_context(project, not_done_form=form)), 422


@bp.route("/photos/<name>")
def photo(name):
    """A photo of the work or of a receipt: projects are public."""
    return serve_photo(*stored_photo(ProjectPhoto, name))


# -- the officials' side -------------------------------------------------------------------------------------


def _editable(project_id) -> Project:
    project = get_or_404(Project, project_id)
    if not may_edit(current_user, project):
        abort(403)
    return project


@officials_bp.route("/projects/new", methods=["GET", "POST"])
def new_project():
    """Make a project of the qualified proposals (``?proposal=``) or appeals (``?appeal=``) named in the URL."""
    chosen_proposals = [p for p in (db.session.get(Proposal, parse_id(i) or 0)
                                    for i in request.args.getlist("proposal")) if p is not None]
    chosen_appeals = [a for a in (db.session.get(Appeal, parse_id(i) or 0)
                                  for i in request.args.getlist("appeal")) if a is not None]
    if not chosen_proposals and not chosen_appeals:
        abort(404)
    for proposal in chosen_proposals:  # refused before the form is filled in, with who may (the service checks too)
        check_promoter(current_user, proposal)
    first = (chosen_proposals or chosen_appeals)[0]
    form = ProjectForm(title=request.args.get("title", "")[:200] or getattr(first, "title", None) or None,
                       department=current_user.department_id)
    form.department.choices = department_choices(blank=_("Choose…"))
    leads = db.session.scalars(select(User).where(User.role == Role.OFFICIAL, User.active.is_(True))
                               .order_by(User.display_name)).all()
    form.lead.choices = [("", _("None yet"))] + [(u.id, u.display_name) for u in leads]

    def promote():
        return promote_to_project(
            actor=current_user, title=form.title.data, description=form.description.data,
            department=db.session.get(Department, form.department.data or 0),
            lead=db.session.get(User, form.lead.data or 0) if form.lead.data else None,
            budget_public_minor=parse_amount(form.budget.data, "budget", allow_zero=True), start_on=form.start_on.data,
            target_on=form.target_on.data, proposals=chosen_proposals, appeals=chosen_appeals,
            milestones=form.milestones())

    project = submit(form, promote, message=_("The project is public now. Those who backed it have been told."))
    if project:
        return redirect(url_for("projects.show", project_id=project.id))
    return render_template("projects/new.html", form=form, chosen_proposals=chosen_proposals,
                           chosen_appeals=chosen_appeals), 422 if form.errors else 200


@officials_bp.route("/projects/<int:project_id>/<any(update, milestone, expenditure, task):step>",
                    methods=["GET", "POST"])
def project_step(project_id, step):
    project = _editable(project_id)
    if request.method == "GET":  # a refused form's address, reloaded: the page the form is on
        return redirect(url_for("projects.show", project_id=project.id) + f"#{step}")
    form_class, name, action = {
        "update": (UpdateForm, "update_form", lambda f: post_update(
            project, actor=current_user, body=f.body.data, storage=uploads(), caption=f.caption.data,
            photos=[upload.read() for upload in f.photos.data or [] if upload and upload.filename])),
        "task": (TaskForm, "task_form", lambda f: add_task(
            project, actor=current_user, title=f.title.data, on=f.on.data, hours=f.hours.data, places=f.places.data)),
        "milestone": (MilestoneForm, "milestone_form", lambda f: add_milestone(
            project, actor=current_user, title=f.title.data, target_on=f.target_on.data, weight=f.weight.data)),
        "expenditure": (ExpenditureForm, "expenditure_form", lambda f: record_expenditure(
            project, actor=current_user, amount_minor=parse_amount(f.amount.data, "amount"),
            spent_on=f.spent_on.data, payee=f.payee.data, purpose=f.purpose.data, source=f.source.data,
            receipt_number=f.receipt_number.data, storage=uploads(),
            receipt_photo=f.receipt.data.read() if f.receipt.data and f.receipt.data.filename else None)),
    }[step]
    form = form_class()
    if submit(form, lambda: action(form), message=_("Saved.")):
        return redirect(url_for("projects.show", project_id=project.id) + f"#{step}")
    return render_template("projects/show.html", **page_context(project, **{name: form})), 422


@officials_bp.route("/projects/<int:project_id>/milestones/<int:milestone_id>/done", methods=["POST"])
def milestone_done(project_id, milestone_id):
    project = _editable(project_id)
    milestone = get_or_404(Milestone, milestone_id)
    if milestone.project_id != project.id:
        abort(404)
    button_action(lambda: complete_milestone(milestone, actor=current_user), message=_("Saved."))
    return redirect(url_for("projects.show", project_id=project.id) + "#milestones")


@officials_bp.route("/projects/<int:project_id>/pledges/<int:pledge_id>/delivered", methods=["POST"])
def delivered(project_id, pledge_id):
    """Confirm the hours a volunteer worked or the materials received."""
    from flask import flash


    project = _editable(project_id)
    pledge = get_or_404(Pledge, pledge_id)
    if pledge.project_id != project.id:
        abort(404)
    form = DeliveryForm()
    if not submit(form, lambda: confirm_delivery(pledge, actor=current_user, hours=form.hours.data,
                                                          quantity=form.quantity.data), message=_("Saved.")):
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "warning")
    return redirect(url_for("projects.show", project_id=project.id) + "#in-kind")


@officials_bp.route("/projects/<int:project_id>/complete", methods=["POST"])
def complete(project_id):
    project = _editable(project_id)
    button_action(lambda: complete_project(project, actor=current_user),
                  message=_("The project is finished. Residents can now rate it."))
    return redirect(url_for("projects.show", project_id=project.id))
