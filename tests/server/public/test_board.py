"""The public lists of proposals and appeals."""



def test_proposals_list_shows_both_languages_and_filters_by_region(demo_county, app, client):
    html = client.get("/proposals").get_data(as_text=True)
    assert "修缮村口到小学的石板路" in html and "Sorting bins and a compost corner" in html
    from sqlalchemy import select

    from accounts.regions import Region
    from core.db import db

    hekou = db.session.scalar(select(Region).where(Region.code == "FY-HK"))
    filtered = client.get(f"/proposals?region={hekou.id}").get_data(as_text=True)
    assert "Sorting bins" in filtered and "修缮村口" not in filtered


def test_private_appeals_stay_off_the_public_board(demo_county, app, client):
    from sqlalchemy import select

    from appeals.models import Appeal
    from core.db import db

    private = db.session.scalar(select(Appeal).where(Appeal.public.is_(False)))
    assert "低保" not in client.get("/appeals").get_data(as_text=True)
    assert client.get(f"/appeals/{private.id}").status_code == 404


def test_unknown_filters_and_ids_do_not_break_the_lists(client):
    assert client.get("/proposals?region=abc&category=-1&after=x").status_code == 200
    assert client.get("/proposals/999999").status_code == 404
