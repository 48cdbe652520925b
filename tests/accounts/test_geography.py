"""Region outlines and centres: what an admin may paste, and what the maps get back."""

import json

import pytest

from accounts.geography import centre_of, import_outlines, parse_outline, set_outline
from core.db import db
from core.errors import InvalidInput, NotAllowed

SQUARE = {"type": "Polygon", "coordinates": [[[102.0, 25.0], [102.2, 25.0], [102.2, 25.2], [102.0, 25.2],
                                               [102.0, 25.0]]]}


def test_an_outline_gives_the_region_its_shape_and_centre(make_region, make_user):
    village = make_region()
    set_outline(village, actor=make_user("admin"), outline=json.dumps({"type": "Feature", "geometry": SQUARE}))
    db.session.commit()
    assert json.loads(village.outline) == SQUARE
    assert (village.centre_latitude, village.centre_longitude) == pytest.approx((25.1, 102.1))


def test_a_centre_given_wins_over_the_outlines_and_empty_text_clears_both(make_region):
    village = make_region()
    set_outline(village, actor=None, outline=json.dumps(SQUARE), latitude=25.01, longitude=102.02)
    assert (village.centre_latitude, village.centre_longitude) == (25.01, 102.02)
    set_outline(village, actor=None, outline="")
    assert village.outline is None and village.centre_latitude is None


def test_the_centre_of_a_multipolygon_is_in_its_largest_part():
    small = [[[110.0, 30.0], [110.01, 30.0], [110.01, 30.01], [110.0, 30.0]]]
    assert centre_of({"type": "MultiPolygon", "coordinates": [small, SQUARE["coordinates"]]}) \
        == pytest.approx((25.1, 102.1))


@pytest.mark.parametrize("text, words", [
    ("not json", "not valid JSON"),
    ('{"type": "Point", "coordinates": [102, 25]}', "Polygon or MultiPolygon"),
    ('{"type": "Polygon", "coordinates": []}', "at least one ring"),
    ('{"type": "Polygon", "coordinates": [[[102, 25], [103, 25], [102, 25]]]}', "at least four points"),
    ('{"type": "Polygon", "coordinates": [[[102, 25], [103, 25], [103, 26], [102, 26]]]}', "end where it starts"),
    ('{"type": "Polygon", "coordinates": [[[25, 102], [25, 103], [26, 103], [25, 102]]]}', "outside the earth"),
    ('{"type": "Polygon", "coordinates": [[["a", 25], [103, 25], [103, 26], ["a", 25]]]}', "in numbers"),
    ('{"type": "FeatureCollection", "features": []}', "exactly one Feature"),
    ("[" * 100_000, "not valid JSON"),
])
def test_a_bad_outline_is_refused_with_a_clear_reason(text, words):
    with pytest.raises(InvalidInput) as refused:
        parse_outline(text)
    assert words in str(refused.value.message) and refused.value.field == "outline"


def test_only_admins_set_outlines_and_a_centre_must_be_on_earth(make_region, make_user):
    village = make_region()
    with pytest.raises(NotAllowed):
        set_outline(village, actor=make_user("official"), outline=json.dumps(SQUARE))
    with pytest.raises(InvalidInput) as refused:
        set_outline(village, actor=None, outline="", latitude=95.0, longitude=102.0)
    assert refused.value.field == "centre_latitude"
    with pytest.raises(InvalidInput):
        set_outline(village, actor=None, outline="", latitude=25.0, longitude=None)


def test_an_import_matches_features_to_regions_by_code_all_or_nothing(make_region):
    first, second = make_region(), make_region()
    features = [{"type": "Feature", "properties": {"code": first.code}, "geometry": SQUARE}]
    assert import_outlines(json.dumps({"type": "FeatureCollection", "features": features})) == 1
    assert first.centre_latitude is not None
    features += [{"type": "Feature", "properties": {"code": "NOPE"}, "geometry": SQUARE},
                 {"type": "Feature", "properties": {"code": second.code}, "geometry": SQUARE}]
    with pytest.raises(InvalidInput) as refused:
        import_outlines(json.dumps({"type": "FeatureCollection", "features": features}))
    assert "NOPE" in str(refused.value.message) and second.centre_latitude is None
