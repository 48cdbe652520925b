"""Published elections, recounted with the rule each file names, give the winners the city published."""

from functools import cache
from pathlib import Path

import pytest

from budgeting.counting import Outcome, count
from budgeting.pabulib import read_pb

FILES = Path(__file__).resolve().parents[1] / "data" / "pabulib"


@cache
def recount(name: str):
    published = read_pb((FILES / f"{name}.pb").read_bytes())
    return published, count(published.election(), published.rule)


@pytest.mark.parametrize("name", ["Poland_Wieliczka_2023_Green_Budget", "Poland_Swiecie_2023",
                                  "Netherlands_Assen_2024", "Poland_Warszawa_2019_Piaski"])
def test_a_recount_gives_the_published_winners(name):
    published, result = recount(name)
    assert set(result.winners) == published.selected()
    assert result.spent <= result.budget


def test_wieliczka_raised_each_share_to_315_zloty_and_kept_equal_shares():
    """Wieliczka's Green Million: 1,000,000 zł for 6,586 voters, 151 zł each (rounded down), raised one zł at a
    time to 315 zł, the last share whose outcome still fit in the budget. (pabutools' Add1 starts from the unrounded
    151.84 zł and stops at 301.84 zł, the first outcome that no further project fits into: it funds projects 66
    and 67 instead of 46.) More voters preferred that outcome to greedy counting's, so it stood."""
    _, result = recount("Poland_Wieliczka_2023_Green_Budget")
    assert (result.start_endowment, result.endowment, result.raises) == (151, 315, 164)
    assert result.comparison.prefer_equal_shares > result.comparison.prefer_greedy
    assert not result.comparison.greedy_chosen
    first = result.project(result.winners[0])
    assert first.outcome == Outcome.BOUGHT and first.round == 1
