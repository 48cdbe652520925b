"""Projects made of the accepted proposals: the responsible department and its official, a public budget,
weighted milestones, progress reports, payments that never spend more than the budget, the backers' pledges
carried over, and residents' ratings of finished ones."""

from datetime import timedelta

from server.commands.scale.words import PAYEES, STEPS_EN, STEPS_ZH

PROJECT_COLUMNS = ["id", "title", "description", "department_id", "lead_id", "region_id", "status",
                   "budget_public_minor", "currency", "start_on", "target_on", "completed_at", "created_by_id",
                   "created_at"]


def fill(ctx) -> None:
    """One project per accepted proposal (ctx.accepted: id, village, category, title, created_at)."""
    rng, now, facts = ctx.rng, ctx.now, ctx.facts
    today = now.date()
    projects, sources, milestones, updates, payments, ratings = [], [], [], [], [], []
    for number, (proposal_id, village, category, title, proposed) in enumerate(ctx.accepted, start=1):
        lead = facts.officials[category]
        created = min(proposed + timedelta(days=rng.uniform(20, 90)), now - timedelta(days=1))
        start = created.date() + timedelta(days=rng.randint(0, 30))
        target = start + timedelta(days=rng.randint(30, 240))
        budget = rng.randint(5, 300) * 100_000  # 5,000 to 300,000 yuan, in fen
        if target < today and rng.random() < 0.75:
            status, completed = "completed", min(now - timedelta(hours=1),
                                                  created + (target - start) + timedelta(days=rng.randint(-10, 40)))
        else:
            status, completed = ("in_progress" if start <= today else "planned"), None
        projects.append((number, title, f"由居民提议并经审核立项：{title}。", category, lead, village, status, budget,
                         "CNY", start, target, completed, lead, created))
        sources.append((number, number, proposal_id))
        steps = rng.randint(2, 5)
        for k in range(steps):
            on = start + (target - start) * (k + 1) / steps
            done = on if status == "completed" or (on < today and rng.random() < 0.8) else None
            step = rng.choice(STEPS_ZH if rng.random() < 0.6 else STEPS_EN)
            milestones.append((number, step, on, rng.randint(1, 5), done))
        if status == "planned":
            continue
        for k in range(rng.randint(1, 4)):
            moment = created + (min(completed or now, now) - created) * (k + 1) / 5
            updates.append((number, lead, rng.choice(("工程按计划推进，村民出工出力。", "The work is on schedule.",
                                                       "材料已到位，下周开工。", "A first stretch is finished.")), moment))
        spent = 0
        for k in range(rng.randint(1, 4)):
            amount = rng.randint(1, 20) * budget // 100  # at most 80% of the budget in all
            spent += amount
            moment = created + (min(completed or now, now) - created) * (k + 1) / 5
            payments.append((number, amount, moment.date(), rng.choice(PAYEES), rng.choice(STEPS_ZH), "public",
                             f"FP{number:06d}-{k + 1}", lead, moment))
        if status == "completed":
            raters = ctx.by_region[village]
            for uid in rng.sample(raters, min(len(raters), rng.randint(0, 12))):
                ratings.append((number, uid, rng.choices((1, 2, 3, 4, 5), weights=(4, 6, 15, 35, 40))[0],
                                None, completed + timedelta(days=rng.uniform(0, 30))))
    load = ctx.load
    load.copy("projects", PROJECT_COLUMNS, projects)
    load.copy("project_sources", ["id", "project_id", "proposal_id"], sources)
    load.copy("milestones", ["project_id", "title", "target_on", "weight", "done_on"], milestones)
    load.copy("project_updates", ["project_id", "author_id", "body", "created_at"], updates)
    load.copy("expenditures", ["project_id", "amount_minor", "spent_on", "payee", "purpose", "source",
                               "receipt_number", "recorded_by_id", "created_at"], payments)
    load.copy("project_ratings", ["project_id", "user_id", "score", "comment", "created_at"], ratings)
    load.sequences("projects", "project_sources", "milestones", "project_updates", "expenditures", "project_ratings")
    # The backers' pledges move to the project (projects.promotion.promote_to_project), and each department's
    # project funds cover what it gave, with a fifth to spare.
    load.execute("UPDATE pledges SET project_id = (SELECT s.project_id FROM project_sources s "
                 "WHERE s.proposal_id = pledges.proposal_id) WHERE status IN ('pledged', 'committed') "
                 "AND proposal_id IN (SELECT proposal_id FROM project_sources WHERE proposal_id IS NOT NULL)")
    load.execute("UPDATE departments SET project_budget_minor = 10000000 + 6 * (SELECT coalesce(sum("
                 "budget_public_minor), 0) FROM projects WHERE projects.department_id = departments.id) / 5")
    facts.counts.update({"projects": len(projects), "milestones": len(milestones), "project reports": len(updates),
                         "payments": len(payments), "project ratings": len(ratings)})
    ctx.lap("projects")
