"""The demo's neighbours: twelve verified residents in each village besides the named ones, so that proposals can
reach the support threshold (voting.supports.threshold_for) with real supports, and appeals have co-signers."""

from datetime import timedelta

from accounts import services
from accounts.passwords import hash_password
from accounts.users import Role, User
from core.db import clock_at, db

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"
PER_VILLAGE = 12
#: Phone numbers of the neighbours: +86 138 0013 81xx (the named residents have 80xx).
FIRST_PHONE = 13800138101


def neighbour_phones(villages: int) -> tuple[str, str]:
    """The first and last neighbour's login, for the list of demo logins."""
    return f"+86{FIRST_PHONE}", f"+86{FIRST_PHONE + villages * PER_VILLAGE - 1}"


def add_neighbours(county, password: str) -> None:
    """Residents who signed up over the months before the year of history, each verified in person by an official of
    their township. They share one password hash: hashing it once per account would make the demo slow to load."""
    rng, shared = county.rng, hash_password(password)
    phone = FIRST_PHONE
    villages = [code for code, region in county.regions.items() if region.level == "village"]
    for village in villages:
        verifier = county.officials["qs-office" if village.startswith("FY-QS") else "hk-office"]
        for _ in range(PER_VILLAGE):
            joined = county.ago(rng.uniform(380, 420))
            with clock_at(joined):
                user = User(phone=f"+86{phone}", password_hash=shared, role=Role.RESIDENT,
                            display_name=rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2)))),
                            region=county.regions[village], created_at=joined)
                db.session.add(user)
                db.session.flush()
            with clock_at(joined + timedelta(days=rng.uniform(1, 10))):
                services.verify_in_person(user, actor=verifier)
            county.verified.setdefault(village, []).append(user)
            phone += 1
