"""The appeals board: titles, a text search, a status filter and four orders, all in the address (no JavaScript
needed), with the region and category filters and paging kept; a value it cannot use is said, never a 500."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from appeals import services, workflow
from core.db import db


@pytest.fixture
def board(app, make_region, make_category, make_department, make_user, make_appeal):
    """Five public appeals in one village (one answered, one co-signed twice, one resolved) and one elsewhere."""
    app.config["MINYI_PAGE_SIZE"] = 20
    village, water, roads = make_region("village"), make_category(), make_category()
    department = make_department(region=village.path[0], categories=[water, roads])
    official = make_user("official", department=department)
    made = {}
    for key, title, body, category in [
        ("well", "Dry well", "The well behind the school has been dry for a week.", water),
        ("pump", None, "水泵坏了。全村三天没有水。", water),
        ("lamp", "Street lamp out", "Dark at night near the 100% broken lamp_post.", roads),
        ("bridge", None, "The bridge railing is loose. Children cross it daily.", roads),
        ("pipe", "Leaking pipe", "Water runs down the road from a leaking pipe.", water),
    ]:
        made[key] = make_appeal(village=village, category=category, title=title, body=body)
    workflow.answer_appeal(made["well"], actor=official, body="A new pump comes Friday.")
    workflow.answer_appeal(made["pipe"], actor=official, body="Fixed.", resolve=True)
    for _ in range(2):
        services.cosign(made["lamp"], actor=make_user("resident", region=village, verified=True))
    db.session.commit()
    made["elsewhere"] = make_appeal(title="Far away well", body="Another county's well is dry.")
    return made, village, water


def titles(response) -> list[str]:
    html = response.get_data(as_text=True)
    return re.findall(r'<h2 lang="[^"]+"><a href="/appeals/\d+">([^<]+)</a></h2>', html)


def test_the_board_lists_titles_and_the_page_of_an_appeal_is_headed_by_it(client, board):
    made, _village, _water = board
    listed = titles(client.get("/appeals"))
    assert "Dry well" in listed and "水泵坏了" in listed and "The bridge railing is loose" in listed
    page = client.get(f"/appeals/{made['well'].id}").get_data(as_text=True)
    assert re.search(r"<h1[^>]*>Dry well</h1>", page) and f"Appeal No. {made['well'].id}" in page
    assert "<title>Dry well" in page


@pytest.mark.parametrize("q, found", [
    ("well", ["Far away well", "Dry well"]),  # in a title
    ("school dry", ["Dry well"]),  # every word, in the text
    ("水泵", ["水泵坏了"]),  # a two-character Chinese word (PostgreSQL: the grams' index)
    ("全村三天", ["水泵坏了"]),
    ("100%", ["Street lamp out"]),  # % and _ are plain characters
    ("lamp_post", ["Street lamp out"]),
    ("nothing-like-this", []),
])
def test_the_search_finds_every_word_in_title_or_text(client, board, q, found):
    assert titles(client.get("/appeals", query_string={"q": q})) == found


def test_status_filter_and_the_four_orders(client, board):
    made, village, water = board
    assert titles(client.get("/appeals?status=resolved")) == ["Leaking pipe"]
    newest = titles(client.get(f"/appeals?region={village.id}"))
    assert newest[0] == "Leaking pipe" and titles(client.get(f"/appeals?region={village.id}&sort=oldest")) == \
        newest[::-1]
    assert titles(client.get(f"/appeals?region={village.id}&sort=cosigned"))[0] == "Street lamp out"
    assert titles(client.get("/appeals?sort=answered")) == ["Leaking pipe", "Dry well"]  # answered ones only
    assert titles(client.get(f"/appeals?category={water.id}&status=answered&sort=oldest&q=well")) == ["Dry well"]


def test_paging_keeps_the_search_filters_and_order(app, client, board):
    made, village, _water = board
    app.config["MINYI_PAGE_SIZE"] = 2
    seen, address = [], f"/appeals?region={village.id}&sort=oldest&q=e"
    while address:
        response = client.get(address)
        seen += titles(response)
        more = re.search(r'<a href="(/appeals\?[^"]+)">More', response.get_data(as_text=True))
        address = more.group(1).replace("&amp;", "&") if more else None
        if address:
            query = parse_qs(urlsplit(address).query)
            assert query["sort"] == ["oldest"] and query["q"] == ["e"] and query["region"] == [str(village.id)]
    everything = titles(client.get(f"/appeals?region={village.id}&sort=oldest&q=e&after="))
    assert len(seen) == 4 and seen[:2] == everything[:2] and len(set(seen)) == 4  # 水泵 holds no "e"


@pytest.mark.parametrize("query, message", [
    ("status=lost", "“lost” is not a status: appeals of every status are shown."),
    ("sort=loudest", "“loudest” is not an order: the newest appeals are shown first."),
    ("region=abc", "There is no such place: appeals from every place are shown."),
    ("category=999999", "There is no such category: appeals of every category are shown."),
    ("q=" + "x" * 300, "Search for at most 200 characters"),
])
def test_a_value_the_board_cannot_use_is_said_and_the_rest_still_listed(client, board, query, message):
    response = client.get(f"/appeals?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html and 'id="filter-problems"' in html
    if not query.startswith("q="):
        assert "Dry well" in titles(response)


def test_the_filter_form_works_without_javascript(client, board):
    html = client.get("/appeals?q=well&status=answered&sort=answered").get_data(as_text=True)
    form = re.search(r'<form method="get"[^>]*role="search".*?</form>', html, re.S).group(0)
    for name in ("q", "region", "category", "status", "sort"):
        assert f'name="{name}"' in form
    assert 'value="well"' in form and '<option value="answered" selected>' in form.replace("  ", " ")
