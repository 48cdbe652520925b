"""Early warning on a known history: a wave three times the usual rate shows, a busy but usual week does not."""

from datetime import timedelta

from accounts.regions import Region
from appeals.alerts import rising
from core.db import db, utcnow


def test_a_wave_of_appeals_raises_an_alert_with_the_appeals_behind_it(app, make_appeal, make_region, make_category,
                                                                      make_department):
    village = make_region("village")
    township = db.session.get(Region, village.parent_id)
    neighbour = make_region("village", parent=township)
    water, roads, lights = make_category(), make_category(), make_category()
    make_department(region=township.parent, categories=[water, roads, lights])
    now = utcnow()

    def appeals(category, ages_in_hours, where=village):
        made = []
        for hours in ages_in_hours:
            appeal = make_appeal(village=where, category=category)
            appeal.created_at = now - timedelta(hours=hours)
            made.append(appeal)
        db.session.commit()
        return made

    # Water: one appeal every two days for four weeks (usually 1 in 48 hours), then 3 in the last day.
    appeals(water, [48 + 48 * k + 1 for k in range(14)])
    wave = appeals(water, [2, 5]) + appeals(water, [20], where=neighbour)
    # Roads: usually 2 in 48 hours; 4 now is busy but not three times that.
    appeals(roads, [48 + 24 * k + 1 for k in range(28)])
    appeals(roads, [1, 2, 3, 4])
    # Street lights: never before, and only 2 now: not yet a wave.
    appeals(lights, [1, 2])

    (alert,) = rising(now=now)
    assert (alert.township_id, alert.category_id, alert.recent, alert.usual, alert.times) == (
        township.id, water.id, 3, 1.0, 3.0)
    assert alert.appeal_ids == sorted(a.id for a in wave)
    assert rising(now=now, categories=[roads.id, lights.id]) == []
    assert rising(now=now, within=make_region("township")) == []


def test_officials_see_the_waves_of_their_department(client, make_appeal, make_region, make_category,
                                                     make_department, make_user):
    village, water, roads = make_region("village"), make_category(name_en="Water"), make_category()
    department = make_department(region=village.path[0], categories=[water])
    wave = [make_appeal(village=village, category=water) for _ in range(3)]
    make_appeal(village=village, category=roads)
    client.login(make_user("official", department=department))
    page = client.get("/officials/appeals").get_data(as_text=True)
    assert "Early warning" in page and "3 appeals about Water" in page and "none in the four weeks before" in page
    assert all(f"#{a.id}</a>" in page for a in wave)
    client.login(make_user("official", department=make_department(categories=[roads])))
    assert "Early warning" not in client.get("/officials/appeals").get_data(as_text=True)


def test_the_links_of_a_wave_go_only_to_the_officials_own_appeals(client, make_appeal, make_region, make_category,
                                                                  make_department, make_user):
    village, water = make_region("village"), make_category(name_en="Water")
    county_desk = make_department(region=village.path[0], categories=[water])
    township_desk = make_department(region=db.session.get(Region, village.parent_id), categories=[water])
    ours = [make_appeal(village=village, category=water) for _ in range(3)]  # routed to the township's desk
    assert {a.department_id for a in ours} == {township_desk.id}
    client.login(make_user("official", department=county_desk))
    page = client.get("/officials/appeals").get_data(as_text=True)
    assert "3 appeals about Water" in page  # the wave is seen from the county too ...
    assert not any(f"#{a.id}</a>" in page for a in ours)  # ... without links to another desk's appeals
