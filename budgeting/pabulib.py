"""Reading and writing the `.pb` files of pabulib.org (https://pabulib.org/format).

A file has three sections, each a title line (META, PROJECTS, VOTES), a header line and rows of `;`-separated
values, quoted as in CSV. META holds `key;value` rows (budget, vote_type, rule...), PROJECTS one row per project
(`project_id`, `cost`, often `votes`, `name`, `selected`), VOTES one row per voter (`voter_id`, `vote`: the chosen
project ids separated by commas). Reading is lenient where files in the wild are (blank lines, spaces around
values, a byte-order mark) and says on which line a file breaks the format; writing follows the format strictly
(what pabulib-checker asks for) and numbers the voters from 1 in an order that says nothing about them."""

import csv
import io
from dataclasses import dataclass
from fractions import Fraction

from budgeting.election import Amount, Election, Project, exact_amount
from budgeting.errors import N_, InvalidElection, PabulibError

SECTIONS = ("META", "PROJECTS", "VOTES")

#: The META keys pabulib requires, and the order in which pabulib lists keys (others follow, as given).
META_REQUIRED = ("description", "country", "unit", "instance", "num_projects", "num_votes", "budget", "vote_type",
                 "rule", "date_begin", "date_end")
META_ORDER = ("description", "country", "unit", "district", "subunit", "instance", "num_projects", "num_votes",
              "budget", "vote_type", "rule", "date_begin", "date_end", "min_length", "max_length", "min_sum_cost",
              "max_sum_cost", "min_project_cost", "max_project_cost", "min_project_score_threshold", "neighborhoods",
              "subdistricts", "categories", "edition", "language", "currency", "fully_funded", "experimental",
              "comment", "acknowledgments")


@dataclass(frozen=True)
class PabulibFile:
    """A `.pb` file as read: META as an ordered dict, PROJECTS and VOTES as rows (dicts by column)."""

    meta: dict[str, str]
    projects: list[dict[str, str]]
    votes: list[dict[str, str]]
    #: The line of the file each project and each vote came from, to point at it in an error.
    project_lines: list[int]
    vote_lines: list[int]

    @property
    def rule(self) -> str:
        return self.meta.get("rule", "")

    @property
    def budget(self) -> Amount:
        try:
            return exact_amount(self.meta["budget"])
        except (ValueError, ArithmeticError):
            raise PabulibError(N_("The budget in META is not a number: %(value)s"),
                               value=self.meta["budget"]) from None

    def selected(self) -> set[str]:
        """The projects the file marks as selected (`selected` is 1)."""
        return {row["project_id"] for row in self.projects if row.get("selected", "").strip() == "1"}

    def election(self) -> Election:
        """The election to count: approval votes only."""
        vote_type = self.meta.get("vote_type", "")
        if vote_type != "approval":
            raise PabulibError(N_("Only approval votes can be counted; this file's votes are %(vote_type)s."),
                               vote_type=vote_type or "?")
        projects, known = [], set()
        for row, line in zip(self.projects, self.project_lines, strict=True):
            project_id = row["project_id"]
            try:
                cost = exact_amount(row["cost"])
            except (ValueError, ArithmeticError):
                raise PabulibError(N_("Line %(line)d: the cost of project %(project)s is not a number."),
                                   line=line, project=project_id) from None
            projects.append(Project(project_id, cost))
            known.add(project_id)
        ballots = []
        for row, line in zip(self.votes, self.vote_lines, strict=True):
            chosen = [p.strip() for p in row["vote"].split(",") if p.strip()]
            for project_id in chosen:
                if project_id not in known:
                    raise PabulibError(N_("Line %(line)d: the vote chooses project %(project)s, which is not in "
                                          "PROJECTS."), line=line, project=project_id)
            if len(set(chosen)) != len(chosen):
                twice = next(p for p in chosen if chosen.count(p) > 1)
                raise PabulibError(N_("Line %(line)d: the vote chooses project %(project)s twice."),
                                   line=line, project=twice)
            ballots.append(frozenset(chosen))
        try:
            return Election(projects, self.budget, ballots)
        except InvalidElection as error:
            raise PabulibError(error.message, **error.params) from None


def read_pb(source: str | bytes) -> PabulibFile:
    """Read a `.pb` file's text (or bytes, which must be UTF-8)."""
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8")
        except UnicodeDecodeError:
            raise PabulibError(N_("The file is not UTF-8 text.")) from None
    source = source.removeprefix("\ufeff")
    sections: dict[str, tuple[list[str], list[dict[str, str]], list[int]]] = {}
    section, header = None, None
    # Not strict: a stray quote inside a value ('"Odkupmy" i my') is read as text, as pabulib's own files need.
    rows = csv.reader(io.StringIO(source), delimiter=";", quotechar='"', skipinitialspace=True)
    next_line = 1
    runs_on = N_("Line %(line)d: a value in double quotes runs on over the following lines; is its closing quote "
                 "missing?")
    try:
        for cells in rows:
            line, next_line = next_line, rows.line_num + 1
            if any("\n" in cell or "\r" in cell for cell in cells):
                raise PabulibError(runs_on, line=line)
            cells = [cell.strip() for cell in cells]
            if not any(cells):
                continue
            if len(cells) == 1 or not any(cells[1:]):
                title = cells[0].upper()
                if title in SECTIONS:
                    if title in sections:
                        raise PabulibError(N_("Line %(line)d: the %(section)s section starts a second time."),
                                           line=line, section=title)
                    section, header = title, None
                    sections[title] = ([], [], [])
                    continue
            if section is None:
                raise PabulibError(N_("Line %(line)d comes before the META section."), line=line)
            if header is None:
                header = [cell.lower() for cell in cells]
                sections[section][0].extend(header)
                continue
            while len(cells) > len(header) and cells[-1] == "":
                cells.pop()
            if len(cells) != len(header):
                raise PabulibError(N_("Line %(line)d has %(found)d values where the header of %(section)s has "
                                      "%(expected)d."), line=line, found=len(cells), section=section,
                                   expected=len(header))
            sections[section][1].append(dict(zip(header, cells, strict=True)))
            sections[section][2].append(line)
    except csv.Error:  # a value longer than the csv module takes: a quote left open swallowed the rest
        raise PabulibError(runs_on, line=next_line) from None
    for title, required in (("META", ("key", "value")), ("PROJECTS", ("project_id", "cost")),
                            ("VOTES", ("voter_id", "vote"))):
        if title not in sections:
            raise PabulibError(N_("The file has no %(section)s section."), section=title)
        for column in required:
            if column not in sections[title][0]:
                raise PabulibError(N_("The %(section)s section has no %(column)s column."), section=title,
                                   column=column)
    meta = {row["key"]: row["value"] for row in sections["META"][1]}
    if "budget" not in meta:
        raise PabulibError(N_("META has no budget."))
    _no_repeats(sections["PROJECTS"], "project_id", N_("Line %(line)d: project %(value)s is listed twice."))
    _no_repeats(sections["VOTES"], "voter_id", N_("Line %(line)d: voter %(value)s appears twice."))
    return PabulibFile(meta, sections["PROJECTS"][1], sections["VOTES"][1], sections["PROJECTS"][2],
                       sections["VOTES"][2])


def _no_repeats(section, column: str, message: str) -> None:
    seen = set()
    for row, line in zip(section[1], section[2], strict=True):
        if row[column] in seen:
            raise PabulibError(message, line=line, value=row[column])
        seen.add(row[column])


def write_pb(election: Election, meta: dict[str, str], *, names: dict[str, str] | None = None,
             selected=None) -> str:
    """The election as a `.pb` file. `meta` gives at least description, country, unit, instance, rule and the
    dates (DD.MM.YYYY); num_projects, num_votes, budget and vote_type are filled in.

    Projects are listed as pabulib lists them, most votes first (then the cheaper, then in the election's order,
    which keeps every tie-break of a recount as it was). Ballots that chose nothing are left out (the format has
    no empty votes, and counting leaves them out too); the others are numbered from 1 in the order of what they
    chose, so neither a voter's number nor place says who voted or when."""
    ballots = [ballot for ballot in election.ballots if ballot]
    meta = dict(meta, num_projects=len(election.projects), num_votes=len(ballots), budget=_amount(election.budget),
                vote_type="approval")
    missing = [key for key in META_REQUIRED if not str(meta.get(key, "")).strip()]
    if missing:
        raise InvalidElection(N_("A .pb file needs %(key)s in META."), key=missing[0])
    ordered = [key for key in META_ORDER if key in meta] + [key for key in meta if key not in META_ORDER]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quotechar='"', lineterminator="\n")
    out.write("META\n")
    writer.writerow(["key", "value"])
    writer.writerows([key, str(meta[key])] for key in ordered)
    out.write("PROJECTS\n")
    writer.writerow(["project_id", "cost", "votes"] + ["name"] * bool(names) + ["selected"] * (selected is not None))
    votes, chosen = election.votes(), set(selected or ())
    position = {project.id: i for i, project in enumerate(election.projects)}
    for project in sorted(election.projects, key=lambda p: (-votes[p.id], p.cost, position[p.id])):
        row = [project.id, _amount(project.cost), votes[project.id]]
        if names:
            row.append(" ".join(names.get(project.id, "").split()))  # one line: readers take a line for a row
        if selected is not None:
            row.append(1 if project.id in chosen else 0)
        writer.writerow(row)
    out.write("VOTES\n")
    writer.writerow(["voter_id", "vote"])
    listed = sorted([sorted(ballot, key=position.__getitem__) for ballot in ballots],
                    key=lambda ballot: [position[p] for p in ballot])
    writer.writerows([number, ",".join(ballot)] for number, ballot in enumerate(listed, 1))
    return out.getvalue()


def _amount(value: Amount) -> str:
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    decimal = f"{float(value):.2f}"
    if Fraction(decimal) != value:
        raise InvalidElection(N_("The amount %(amount)s cannot be written exactly."), amount=str(value))
    return decimal
