"""Small elections worked out by hand, where the Method of Equal Shares and greedy counting differ, ties are broken
as stated, and exact arithmetic decides what floats would get wrong."""

from fractions import Fraction

import pytest

from budgeting.counting import RULES, Outcome, ProjectResult, Tie, count
from budgeting.election import Election, Project
from budgeting.errors import InvalidElection, UnknownRule


def election(projects: dict[str, int], budget, groups: list[tuple[int, str]]) -> Election:
    """`groups`: (how many voters, the projects they chose, separated by spaces)."""
    ballots = [frozenset(chosen.split()) for voters, chosen in groups for _ in range(voters)]
    return Election([Project(p, cost) for p, cost in projects.items()], budget, ballots)


RED = [f"R{i}" for i in range(1, 11)]
BLUE = [f"B{i}" for i in range(1, 11)]
# 51 voters want the ten red projects, 49 the ten blue ones; the budget pays for ten.
MAJORITY = election({p: 100 for p in RED + BLUE}, 1000, [(51, " ".join(RED)), (49, " ".join(BLUE))])


def test_greedy_lets_the_majority_take_the_whole_budget():
    result = count(MAJORITY, "greedy")
    assert result.winners == tuple(RED)
    assert result.project("B1").outcome == Outcome.DID_NOT_FIT and result.project("B1").money_left == 0
    assert result.project("R10").outcome == Outcome.FUNDED and result.project("R10").money_left == 100


def test_equal_shares_gives_each_side_its_share():
    """Each voter's share is 10: the red voters' 510 buy five red projects, the blue voters' 490 only four. Add1
    raises the share to 11 (red 561, blue 539: five each, 1000 in all); at 12 red would buy six, and 1100 is more
    than the budget."""
    plain = count(MAJORITY, "equalshares")
    assert plain.winners == tuple(RED[:5] + BLUE[:4]) and plain.endowment == 10
    completed = count(MAJORITY, "equalshares/add1")
    assert completed.winners == tuple(RED[:5] + BLUE[:5])
    assert (completed.start_endowment, completed.endowment, completed.raises, completed.spent) == (10, 11, 1, 1000)


def test_equal_shares_says_why_each_project_won_or_lost():
    result = count(MAJORITY, "equalshares/add1")
    assert result.project("R1") == ProjectResult("R1", 100, 51, True, Outcome.BOUGHT, round=1,
                                                 price_per_voter=Fraction(100, 51), effective_votes=51)
    assert result.project("B5").round == 10 and result.project("B5").price_per_voter == Fraction(100, 49)
    # After the fifth red project, the 51 red voters have 561 - 500 = 61 left: less than 100.
    red = result.project("R6")
    assert (red.won, red.outcome, red.round, red.supporters_money) == (False, Outcome.SUPPORTERS_RAN_OUT, 5, 61)
    blue = result.project("B6")
    assert (blue.outcome, blue.round, blue.supporters_money) == (Outcome.SUPPORTERS_RAN_OUT, 10, 39)


def test_a_project_its_voters_could_never_pay_for_has_too_few_votes():
    result = count(election({"road": 900, "bench": 50}, 1000, [(9, "bench"), (1, "road")]), "equalshares")
    road = result.project("road")
    assert (road.outcome, road.round, road.supporters_money) == (Outcome.TOO_FEW_VOTES, 0, 100)
    assert count(election({"road": 900, "bench": 50}, 1000, [(9, "bench"), (1, "road")]), "greedy").winners == (
        "bench", "road")


def test_a_project_nobody_chose_is_never_bought_by_equal_shares():
    result = count(election({"a": 10, "b": 10}, 100, [(3, "a")]), "equalshares/add1")
    assert result.winners == ("a",) and result.project("b").outcome == Outcome.NO_VOTES


# Equal effective vote counts: the cheaper project first.
COST_TIE = election({"B": 700, "A": 600}, 800, [(200, "A B")])


def test_a_tie_goes_to_the_cheaper_project():
    result = count(COST_TIE, "equalshares")
    assert result.winners == ("A",)
    assert result.ties == (Tie(1, ("B", "A"), "A", "cost"),)
    assert result.project("B").outcome == Outcome.SUPPORTERS_RAN_OUT


def test_then_to_the_project_with_more_votes():
    """Z (400 votes, 4000) takes all the money of its voters, 100 of whom also chose X. X's other 200 voters also
    chose Y. X and Y then cost the same and each have 200 voters with money: the same effective vote count. X has
    more votes (300) and wins; Y's voters have 800 left, less than 1200. Greedy counting would fund all three."""
    tied = election({"Z": 4000, "Y": 1200, "X": 1200, "W": 9000}, 8000,
                    [(100, "Z X"), (300, "Z"), (200, "X Y"), (200, "W")])
    result = count(tied, "equalshares")
    assert result.winners == ("Z", "X")
    assert result.ties == (Tie(2, ("Y", "X"), "X", "votes"),)
    assert result.project("Y").supporters_money == 800
    assert count(tied, "greedy").winners == ("Z", "X", "Y")


def test_then_to_the_project_listed_first():
    result = count(MAJORITY, "equalshares")
    assert result.ties[0] == Tie(1, tuple(RED), "R1", "order")


def test_exact_arithmetic_sees_a_tie_that_floats_miss():
    """Seven voters choose both; either fits, not both. Both have an effective vote count of exactly 7, so the
    cheaper wins; in floats 17 / (17 / 7) is 7.000000000000001, more than 1 / (1 / 7), and the dearer would."""
    result = count(election({"dear": 17, "cheap": 1}, 17, [(7, "dear cheap")]), "equalshares")
    assert 17 / (17 / 7) > 1 / (1 / 7)
    assert result.winners == ("cheap",) and result.ties[0].decided_by == "cost"


@pytest.mark.parametrize("rule", RULES)
def test_the_same_election_counts_the_same_every_time(rule):
    first = count(MAJORITY, rule)
    assert all(count(MAJORITY, rule) == first for _ in range(3))


def test_the_comparison_step_turns_to_greedy_when_more_voters_prefer_it():
    """Red voters would have ten winning projects under greedy counting instead of five (51 prefer greedy); blue
    voters five instead of none (49 prefer Equal Shares)."""
    result = count(MAJORITY, "equalshares/add1-comparison")
    assert (result.comparison.prefer_greedy, result.comparison.prefer_equal_shares) == (51, 49)
    assert result.winners == tuple(RED) and result.project("R10").outcome == Outcome.FUNDED
    assert result.endowment == 11  # what Equal Shares would have given each voter, for the explanation


def test_the_comparison_step_keeps_equal_shares_when_more_voters_prefer_it():
    """40 red, 30 blue and 30 green voters: greedy counting gives red all ten projects; Equal Shares four, three
    and three. 60 voters prefer that."""
    green = [f"G{i}" for i in range(1, 11)]
    three = election({p: 100 for p in RED + BLUE + green}, 1000,
                     [(40, " ".join(RED)), (30, " ".join(BLUE)), (30, " ".join(green))])
    result = count(three, "equalshares/add1-comparison")
    assert (result.comparison.prefer_greedy, result.comparison.prefer_equal_shares) == (40, 60)
    assert result.winners == tuple(RED[:4] + BLUE[:3] + green[:3])
    assert result.project("R1").outcome == Outcome.BOUGHT


@pytest.mark.parametrize("rule", RULES)
def test_a_ballot_that_chooses_nothing_changes_nothing(rule):
    abstaining = Election(MAJORITY.projects, MAJORITY.budget, MAJORITY.ballots + (frozenset(),) * 30)
    assert count(abstaining, rule) == count(MAJORITY, rule)


def test_nothing_to_count_without_ballots():
    empty = election({"a": 10}, 100, [])
    assert count(empty, "equalshares/add1").winners == () and count(empty, "equalshares").winners == ()


@pytest.mark.parametrize("projects, budget, ballots, message", [
    ([Project("a", 10), Project("a", 20)], 100, [], "Project a appears twice."),
    ([Project("a", 0)], 100, [], "The cost of project a must be more than zero."),
    ([Project("a", 1.5)], 100, [], "The cost of project a is not an exact amount."),
    ([Project("a", 10)], -1, [], "The budget cannot be negative."),
    ([Project("a", 10)], 100, [{"a"}, {"b"}], "Ballot 2 chooses b, which is not a project of this election."),
])
def test_an_election_that_cannot_be_counted_says_why(projects, budget, ballots, message):
    with pytest.raises(InvalidElection) as refused:
        Election(projects, budget, ballots)
    assert str(refused.value) == message


def test_an_unknown_rule_is_refused():
    with pytest.raises(UnknownRule, match="greedy-threshold"):
        count(MAJORITY, "greedy-threshold")


def test_amounts_in_fen_count_as_in_yuan_when_raised_a_yuan_at_a_time():
    """Add1 raises the share by one unit of the currency: `increment=100` when amounts are in fen."""
    yuan = count(MAJORITY, "equalshares/add1")
    in_fen = Election([Project(p.id, p.cost * 100) for p in MAJORITY.projects], MAJORITY.budget * 100 + 99,
                      MAJORITY.ballots)
    fen = count(in_fen, "equalshares/add1", increment=100)
    assert fen.winners == yuan.winners
    assert (fen.start_endowment, fen.endowment, fen.raises) == (1000, 1100, 1)
