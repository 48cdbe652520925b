"""Counting benchmark (issue 19): the Method of Equal Shares with Add1 completion on the largest approval election
in pabulib, Łódź 2022 (90,494 ballots, 160 projects), and on 100,000 generated ballots over 60 projects, against
the target of under 60 s each; then pabutools beside ours on Wieliczka 2023 and on a smaller generated election.
Writes its section of docs/performance.md (between the counting markers). Run on demand, never in CI.

    .venv/bin/python bench/pb_counting_bench.py [--lodz PATH] [--ballots 100000] [--projects 60]
        [--pabutools-ballots 2000] [--report FILE|-]

Łódź 2022 is read from --lodz, or else from a cache outside the repository (~/.cache/minyi/pabulib/), into which it
is downloaded from the public pabulib/pabulib_files repository on GitHub the first time."""

import argparse
import os
import platform
import resource
import shlex
import sys
import time
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import report  # noqa: E402

from budgeting import equal_shares  # noqa: E402
from budgeting.counting import count  # noqa: E402
from budgeting.election import Election, Project  # noqa: E402
from budgeting.pabulib import read_pb  # noqa: E402

LODZ = "Poland_Lodz_2022.pb"
LODZ_URL = f"https://raw.githubusercontent.com/pabulib/pabulib_files/main/pb_files/{LODZ}"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "minyi" / "pabulib"
WIELICZKA = ROOT / "tests" / "data" / "pabulib" / "Poland_Wieliczka_2023_Green_Budget.pb"
TARGET_SECONDS = 60.0


def arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lodz", help=f"path of {LODZ} (default: the cache, {CACHE})")
    parser.add_argument("--ballots", type=int, default=100_000, help="generated ballots")
    parser.add_argument("--projects", type=int, default=60, help="projects of the generated election")
    parser.add_argument("--pabutools-ballots", type=int, default=2000,
                        help="generated ballots of the election pabutools counts (0: skip pabutools)")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--report", default=str(ROOT / "docs" / "performance.md"), help="file to write, or -")
    return parser.parse_args(argv)


def lodz_file(path: str | None) -> Path:
    if path:
        return Path(path)
    cached = CACHE / LODZ
    if not cached.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        print(f"downloading {LODZ_URL} to {cached}", flush=True)
        with urllib.request.urlopen(LODZ_URL, timeout=120) as answer:
            cached.write_bytes(answer.read())
    return cached


def generated(ballots: int, projects: int, seed: int) -> Election:
    """A city of five districts: projects of one district or city-wide, costs from 10,000 to about 1,000,000,
    popularity heavy-tailed; each voter chooses 1 to 8 projects, most often of their own district."""
    rng = np.random.default_rng(seed)
    costs = (np.clip(rng.lognormal(11.8, 0.9, projects), 10_000, 2_000_000) // 1000 * 1000).astype(int)
    district = rng.integers(0, 6, projects)  # 5: city-wide
    popularity = np.log(rng.pareto(1.5, projects) + 0.3)
    home = rng.integers(0, 5, ballots)
    local = np.where((district[None, :] == np.arange(5)[:, None]) | (district[None, :] == 5), 1.5, 0.0)
    keys = popularity[None, :] + local[home] + rng.gumbel(size=(ballots, projects))
    sizes = np.minimum(rng.geometric(0.3, ballots), 8)
    order = np.argsort(-keys, axis=1)
    ids = [f"P{c}" for c in range(projects)]
    chosen = [frozenset(ids[c] for c in row[:k]) for row, k in zip(order.tolist(), sizes.tolist(), strict=True)]
    return Election([Project(ids[c], int(costs[c])) for c in range(projects)], int(costs.sum() // 4), chosen)


@dataclass
class Timed:
    label: str
    ballots: int
    projects: int
    rule: str
    wall: float
    cpu: float
    result: object
    note: str = ""


def timed(label, election, rule, note="") -> Timed:
    wall, cpu = time.perf_counter(), time.process_time()
    result = count(election, rule)
    timing = Timed(label, len(election.ballots), len(election.projects), rule, time.perf_counter() - wall,
                   time.process_time() - cpu, result, note)
    print(f"{label}: {timing.wall:.1f} s ({timing.cpu:.1f} s CPU), {result.raises} raises, share "
          f"{result.start_endowment} -> {result.endowment}, {len(result.winners)} winners", flush=True)
    return timing


def pabutools_beside_ours(label: str, election: Election) -> dict:
    """pabutools' MES with voter_budget_increment=1 (as equalshares.net's computation page shows it), and ours in
    the same variant (unrounded start, stop when exhaustive)."""
    # Imported here: pabutools is a test dependency, and --pabutools-ballots 0 runs without it.
    from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance
    from pabutools.election import Project as PabutoolsProject
    from pabutools.rules import method_of_equal_shares

    projects = {p.id: PabutoolsProject(p.id, p.cost) for p in election.projects}
    instance = Instance(projects.values(), budget_limit=election.budget)
    profile = ApprovalProfile([ApprovalBallot(projects[i] for i in b) for b in election.ballots if b],
                              instance=instance)
    started = time.perf_counter()
    theirs = method_of_equal_shares(instance, profile.as_multiprofile(), sat_class=Cost_Sat, voter_budget_increment=1)
    theirs_seconds = time.perf_counter() - started
    started = time.perf_counter()
    prepared = equal_shares.Prepared(election)
    ours = equal_shares.add1(prepared, integral_start=False, stop_when_exhaustive=True)
    ours_seconds = time.perf_counter() - started
    same = {p.name for p in theirs} == {prepared.ids[c] for c in ours.run.projects}
    print(f"{label}: pabutools {theirs_seconds:.1f} s, ours {ours_seconds:.1f} s, same winners: {same}", flush=True)
    return dict(label=label, ballots=len(election.ballots), projects=len(election.projects),
                theirs=theirs_seconds, ours=ours_seconds, same=same)


def _money(value) -> str:
    return f"{float(value):,.0f}" if float(value) == int(value) else f"{float(value):,.2f}"


def first_dip(election: Election) -> dict | None:
    """The first raise of Add1 (equalshares.net's) after which Equal Shares spends less than before."""
    steps = []
    started = time.perf_counter()
    completion = equal_shares.add1(equal_shares.Prepared(election), on_step=lambda _, share, spent:
                                   steps.append((share, spent)))
    seconds = time.perf_counter() - started
    for (share, before), (_, after) in zip(steps, steps[1:], strict=False):
        if after < before:
            return dict(ballots=len(election.ballots), share=share, before=before, after=after,
                        raises=completion.raises, seconds=seconds)
    return None


def section(command, runs: list[Timed], compared: list[dict], read_seconds: float, load: str,
            dip: dict | None) -> str:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cpu = platform.processor() or platform.machine()
    out = ["## Counting participatory budgets (issue 19)", "",
           f"Measured {when} by `bench/pb_counting_bench.py` on {os.cpu_count()} cores ({cpu}), Python "
           f"{platform.python_version()}, numpy {version('numpy')}, pabutools "
           f"{version('pabutools')}; load average before: {load} (the machine is shared: CPU seconds are the "
           "process's own).", "", "```sh", command, "```", "",
           "`count(election, rule)` of `budgeting/counting.py`, from the election in memory to the result with "
           "its explanations (the Add1 loop runs the method once per raise, then once more to record why each "
           f"project won or lost). Reading Łódź's 3.8 MB `.pb` file took {read_seconds:.1f} s more.", "",
           "| Election | Ballots | Projects | Rule | Seconds | CPU s | Raises | Share per voter | Winners | Spent "
           "of budget | Under 60 s |", "|---|---:|---:|---|---:|---:|---:|---|---:|---|---|"]
    for run in runs:
        r = run.result
        met = "met" if run.wall < TARGET_SECONDS else "**not met**"
        out.append(f"| {run.label} | {run.ballots:,} | {run.projects} | `{run.rule}`{run.note} | {run.wall:.1f} | "
                   f"{run.cpu:.1f} | {r.raises} | {_money(r.start_endowment)} → {_money(r.endowment)} | "
                   f"{len(r.winners)} | {_money(r.spent)} of {_money(r.budget)} | {met} |")
    if compared:
        out += ["", "pabutools beside ours, both in pabutools' variant of Add1 (`method_of_equal_shares(..., "
                "sat_class=Cost_Sat, voter_budget_increment=1)` on the multiprofile: it starts from the unrounded "
                "share and stops at the first exhaustive outcome):", "",
                "| Election | Ballots | Projects | pabutools s | ours s | Same winners |", "|---|---:|---:|---:|---:|---|"]
        out += [f"| {c['label']} | {c['ballots']:,} | {c['projects']} | {c['theirs']:.1f} | {c['ours']:.1f} | "
                f"{'yes' if c['same'] else '**no**'} |" for c in compared]
    out += ["", "Why it is fast: identical ballots are counted once; voters with exactly the same money left share "
            "one purse, so a project's supporters are a few hundred amounts rather than thousands of voters; floats "
            "decide where the margin is clear and exact fractions (gmpy2's) where it is not, and for every payment; "
            "each round re-examines projects only while one could still beat the best found.", "",
            "Why not fewer runs: Add1 keeps the last share before the first raise that overspends, and what Equal "
            "Shares spends is not monotone in the share" + (f" (in the {dip['ballots']:,}-ballot generated election "
                                                             f"a raise from {dip['share']:,} lowers it from "
                                                             f"{_money(dip['before'])} to {_money(dip['after'])})"
                                                             if dip else "") +
            ", so bisecting on the share could land on another answer than the definition's. Every raise is one "
            "full run; the work went into making a run cheap. Their number grows with how far the share must rise "
            "in units of the currency: a few dozen in a large city, thousands in a small electorate with dear "
            "projects" + (f" ({dip['ballots']:,} ballots: {dip['raises']:,} raises in {dip['seconds']:.1f} s)"
                          if dip else "") + "."]
    return "\n".join(out) + "\n"


def main(argv=None):
    args = arguments(argv)
    command = ".venv/bin/python bench/pb_counting_bench.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    started = time.perf_counter()
    lodz = read_pb(lodz_file(args.lodz).read_bytes())
    lodz_election = lodz.election()
    read_seconds = time.perf_counter() - started
    runs = [timed("Łódź 2022", lodz_election, "equalshares/add1",
                  f" (the city counted with `{lodz.rule}`)" if lodz.rule != "equalshares/add1" else "")]
    started = time.perf_counter()
    city = generated(args.ballots, args.projects, args.seed)
    print(f"generated {args.ballots:,} ballots in {time.perf_counter() - started:.1f} s", flush=True)
    runs.append(timed("Generated", city, "equalshares/add1"))
    wieliczka = read_pb(WIELICZKA.read_bytes())
    runs.append(timed("Wieliczka 2023", wieliczka.election(), wieliczka.rule))
    same = set(runs[-1].result.winners) == wieliczka.selected()
    runs[-1].note = ", the published winners" if same else ", **not the published winners**"
    compared, dip = [], None
    if args.pabutools_ballots:
        smaller = generated(args.pabutools_ballots, args.projects, args.seed)
        dip = first_dip(smaller)
        compared.append(pabutools_beside_ours("Wieliczka 2023", wieliczka.election()))
        compared.append(pabutools_beside_ours("Generated", smaller))
    print(f"max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    report.write_section(args.report, section(command, runs, compared, read_seconds, load, dip), "counting")


if __name__ == "__main__":
    main()
