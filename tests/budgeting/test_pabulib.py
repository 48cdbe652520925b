"""Reading and writing pabulib's `.pb` files: a written file passes pabulib-checker, reads back the same and says
nothing about who voted; a broken file is refused with the line at fault."""

import pytest
from pabulib.checker import Checker

from budgeting.counting import count
from budgeting.election import Election, Project
from budgeting.errors import InvalidElection, PabulibError
from budgeting.pabulib import read_pb, write_pb

META = {"description": "Participatory budget of Qingshan township", "country": "China", "unit": "Qingshan",
        "instance": "2026", "date_begin": "01.03.2026", "date_end": "31.03.2026", "language": "zh",
        "currency": "CNY"}
NAMES = {"1": "路灯; 北街", "2": 'The "old" bridge', "3": "Library books", "4": "Well pump"}
TYPED = NAMES | {"4": "Well\r\npump "}  # as typed into a form
# In the order the ballots were cast: the file must not keep it.
ELECTION = Election([Project("1", 300), Project("2", 450), Project("3", 120), Project("4", 200)], 800,
                    [{"2", "1"}, {"3"}, {"1", "4"}, {"2"}, {"1", "2", "3", "4"}, {"4", "1"}, set()])


def checked(text: str) -> dict:
    results = Checker().process_files([text])
    return next(value["results"] for key, value in results.items() if key not in ("metadata", "summary"))


@pytest.mark.parametrize("rule", ["greedy", "equalshares/add1", "equalshares"])
def test_a_written_file_passes_pabulib_checker(rule):
    text = write_pb(ELECTION, {**META, "rule": rule}, names=NAMES, selected=count(ELECTION, rule).winners)
    assert checked(text) == {"errors": {}, "warnings": {}}


def test_a_written_file_reads_back_the_same():
    selected = count(ELECTION, "equalshares/add1").winners
    back = read_pb(write_pb(ELECTION, {**META, "rule": "equalshares/add1"}, names=TYPED, selected=selected))
    again = back.election()
    assert set(again.projects) == set(ELECTION.projects) and again.budget == ELECTION.budget
    assert sorted(map(sorted, again.ballots)) == sorted(sorted(ballot) for ballot in ELECTION.ballots if ballot)
    assert back.selected() == set(selected) and back.rule == "equalshares/add1"
    assert {row["project_id"]: row["name"] for row in back.projects} == NAMES
    assert back.meta["description"] == META["description"] and back.meta["num_votes"] == "6"
    assert count(again, back.rule).winners == selected


def test_voters_are_numbered_in_an_order_that_says_nothing_about_them():
    text = write_pb(ELECTION, {**META, "rule": "greedy"})
    shuffled = Election(ELECTION.projects, ELECTION.budget, reversed(ELECTION.ballots))
    assert write_pb(shuffled, {**META, "rule": "greedy"}) == text
    votes = read_pb(text).votes
    assert [row["voter_id"] for row in votes] == [str(n) for n in range(1, 7)]
    assert [row["vote"] for row in votes] == ["1,2", "1,2,3,4", "1,4", "1,4", "2", "3"]


def test_projects_are_listed_most_votes_first_then_cheaper_as_pabulib_does():
    rows = read_pb(write_pb(ELECTION, {**META, "rule": "greedy"})).projects
    assert [(row["project_id"], row["votes"]) for row in rows] == [("1", "4"), ("4", "3"), ("2", "3"), ("3", "2")]


def test_a_file_needs_what_pabulib_requires():
    with pytest.raises(InvalidElection, match="date_end"):
        write_pb(ELECTION, {key: value for key, value in META.items() if key != "date_end"} | {"rule": "greedy"})


def test_files_in_the_wild_are_read_leniently():
    text = ("\ufeffMETA\r\nkey; value\r\nbudget; 100.00\r\nvote_type; approval\r\nrule; greedy\r\n\r\n"
            "PROJECTS\r\nproject_id; cost; name\r\n7; 40; \"A; B\"\r\n8; 70.5; \"Odkupmy\" i my\r\n"
            "VOTES\r\nvoter_id; vote\r\n1; 7, 8\r\n2; 8\r\n")
    read = read_pb(text.encode())
    assert [row["name"] for row in read.projects] == ["A; B", "Odkupmy i my"]
    election = read.election()
    assert election.budget == 100 and [p.cost for p in election.projects] == [40, 70.5]
    assert election.ballots == (frozenset({"7", "8"}), frozenset({"8"}))


BROKEN = [
    (b"\xff\xfeMETA", "The file is not UTF-8 text."),
    ("key;value\nbudget;1\n", "Line 1 comes before the META section."),
    ("META\nkey;value\nbudget;1\nPROJECTS\nproject_id;cost\n1;5\n", "The file has no VOTES section."),
    ("META\nkey;value\nbudget;1\nPROJECTS\nproject_id;name\n1;a\nVOTES\nvoter_id;vote\n",
     "The PROJECTS section has no cost column."),
    ("META\nkey;value\nvote_type;approval\nPROJECTS\nproject_id;cost\n1;5\nVOTES\nvoter_id;vote\n",
     "META has no budget."),
    ("META\nkey;value\nbudget;1\nPROJECTS\nproject_id;cost\n1;5;x;y\nVOTES\nvoter_id;vote\n",
     "Line 6 has 4 values where the header of PROJECTS has 2."),
    ("META\nkey;value\nbudget;1\nPROJECTS\nproject_id;cost\n1;5\n1;6\nVOTES\nvoter_id;vote\n",
     "Line 7: project 1 is listed twice."),
    ("META\nkey;value\nbudget;1\nPROJECTS\nproject_id;cost\n1;5\nVOTES\nvoter_id;vote\n9;1\n9;1\n",
     "Line 10: voter 9 appears twice."),
    ('META\nkey;value\nbudget;1\nPROJECTS\nproject_id;cost;name\n1;5;"open\n2;6;x\nVOTES\nvoter_id;vote\n',
     "Line 6: a value in double quotes runs on over the following lines; is its closing quote missing?"),
    ('META\nkey;value\nbudget;1\nPROJECTS\nproject_id;cost;name\n1;5;x\n2;6;"open\n' + "3;7;y\n" * 30000,
     "Line 7: a value in double quotes runs on over the following lines; is its closing quote missing?"),
    ("META\nkey;value\nbudget;1\nMETA\n", "Line 4: the META section starts a second time."),
]


@pytest.mark.parametrize("text, message", BROKEN)
def test_a_broken_file_says_where(text, message):
    with pytest.raises(PabulibError) as refused:
        read_pb(text)
    assert str(refused.value) == message


COUNTED = "META\nkey;value\nbudget;{budget}\nvote_type;{vote_type}\nPROJECTS\nproject_id;cost\n1;{cost}\n2;5\n" \
          "VOTES\nvoter_id;vote\n1;1,2\n2;{vote}\n"


@pytest.mark.parametrize("fields, message", [
    ({"vote_type": "ordinal"}, "Only approval votes can be counted; this file's votes are ordinal."),
    ({"budget": "1,5"}, "The budget in META is not a number: 1,5"),
    ({"cost": "lots"}, "Line 7: the cost of project 1 is not a number."),
    ({"cost": "0"}, "The cost of project 1 must be more than zero."),
    ({"vote": "3"}, "Line 12: the vote chooses project 3, which is not in PROJECTS."),
    ({"vote": "2,1,2"}, "Line 12: the vote chooses project 2 twice."),
])
def test_a_file_that_cannot_be_counted_says_why(fields, message):
    text = COUNTED.format(**{"budget": "10", "vote_type": "approval", "cost": "5", "vote": "2"} | fields)
    with pytest.raises(PabulibError) as refused:
        read_pb(text).election()
    assert str(refused.value) == message
