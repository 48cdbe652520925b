"""Appeal titles in the API: sent or taken from the text, shown in every appeal, searched and ordered by the
board's list."""


def test_the_api_takes_shows_and_searches_titles(api, token_for, make_user, make_category, make_department):
    resident = make_user("resident", verified=True)
    category = make_category(code="water")
    make_department(region=resident.region.path[0], categories=[category])
    sent = {}
    for key, extra in [("typed", {"title": "Dry well", "body": "No water since Monday. The well is dry."}),
                       ("derived", {"body": "水泵坏了。全村三天没有水。"})]:
        response = api.post("/api/v1/appeals", headers=token_for(resident), json={
            "category": "water", "village": resident.region.code, **extra})
        assert response.status_code == 201, response.get_json()
        sent[key] = response.get_json()
    assert (sent["typed"]["title"], sent["derived"]["title"]) == ("Dry well", "水泵坏了")
    listed = api.get("/api/v1/appeals?q=水泵").get_json()["items"]
    assert [(a["id"], a["title"]) for a in listed] == [(sent["derived"]["id"], "水泵坏了")]
    oldest = api.get("/api/v1/appeals?sort=oldest").get_json()["items"]
    assert [a["title"] for a in oldest] == ["Dry well", "水泵坏了"]
    refused = api.get("/api/v1/appeals?sort=loudest")
    assert refused.status_code == 422 and "sort" in str(refused.get_json()["error"])
    too_long = api.post("/api/v1/appeals", headers=token_for(resident), json={
        "title": "x" * 121, "body": "Text", "category": "water", "village": resident.region.code})
    assert too_long.status_code == 422 and too_long.get_json()["error"]["field"] == "title"
