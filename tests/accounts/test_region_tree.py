"""Every process keeps the region tree in memory; a change made anywhere reaches all of them."""

import subprocess
import sys
import textwrap

from accounts.regions import Region, region_tree
from core.db import db

RENAME_IN_ANOTHER_PROCESS = textwrap.dedent("""
    import sys
    from accounts import organisation
    from core.db import db
    from accounts.regions import Region
    from server import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "x" * 64, "TESTING": True})
    with app.app_context():
        region = db.session.get(Region, int(sys.argv[2]))
        organisation.rename(region, actor=None, name_zh="凤仪新镇", name_en="New Fengyi")
        db.session.commit()
""")


def test_a_rename_in_another_process_shows_here(app, client, make_region, make_proposal, test_config):
    village = make_region("village", name_en="Upper Village")
    township = db.session.get(Region, village.parent_id)
    old_name = township.name_en
    make_proposal(village=village, title="Mend the well")
    assert f"{old_name} / Upper Village" in client.get("/proposals").get_data(as_text=True)

    # Another worker (here: another process) renames the township; this one has the tree in memory.
    subprocess.run([sys.executable, "-c", RENAME_IN_ANOTHER_PROCESS, test_config["SQLALCHEMY_DATABASE_URI"],
                    str(township.id)], check=True, capture_output=True)
    page = client.get("/proposals").get_data(as_text=True)
    assert "New Fengyi / Upper Village" in page and f"{old_name} / Upper Village" not in page


def test_the_tree_answers_ancestry_and_subtrees(app, make_region):
    village = make_region("village")
    township = db.session.get(Region, village.parent_id)
    other = make_region("village", parent=township)
    elsewhere = make_region("village")
    tree = region_tree()
    assert tree.path(village.id) == [township.parent_id, township.id, village.id]
    assert tree.contains(township.parent_id, village.id) and not tree.contains(elsewhere.id, village.id)
    assert sorted(tree.subtree(township.id)) == sorted([township.id, village.id, other.id])
    new = make_region("village", parent=township)  # seen at once by the process that made it
    assert new.id in region_tree().subtree(township.id)
