"""Appeal titles: typed, or the text's first sentence cut cleanly; kiosk appeals get one, and an official who
writes down or corrects a spoken appeal may change it."""

import io
import uuid
import wave

import pytest
from flask_babel import force_locale

from appeals import kiosk as kiosk_appeals
from appeals.titles import DERIVED_MAX, title_from
from core.db import db
from core.errors import InvalidInput
from core.storage import uploads


@pytest.mark.parametrize("body, title", [
    ("The well is broken. We have had no water since Monday.", "The well is broken"),
    ("村口的水井坏了。已经一个月没有水了！", "村口的水井坏了"),
    ("路灯为什么不亮？晚上走路很危险。", "路灯为什么不亮？"),
    ("Is the bus coming back? We waited all winter.", "Is the bus coming back?"),
    ("Version 1.5 of the plan is wrong. Please check.", "Version 1.5 of the plan is wrong"),
    ("\n\n  The bridge\nhas a crack", "The bridge"),
    ("No stop at all in this long sentence about the broken well behind the primary school near the river",
     "No stop at all in this long sentence about the broken well…"),
    ("这是一个非常长的句子没有任何标点符号一直说下去关于小学后面那口坏了的水井以及村里的路灯已经好几个月都不亮了晚上走路很危险，老人孩子都怕",
     "这是一个非常长的句子没有任何标点符号一直说下去关于小学后面那口坏了的水井以及村里的路灯已经好几个月都不亮了晚上走路很危…"),
    ("The road, which floods every spring when the river rises above the old stone wall, is closed again.",
     "The road, which floods every spring when the river rises…"),
])
def test_the_first_sentence_is_the_title_cut_at_a_boundary(body, title):
    made = title_from(body)
    assert made == title and len(made) <= DERIVED_MAX


def test_a_word_longer_than_the_line_is_cut_where_it_stands():
    made = title_from("Pneumonoultramicroscopicsilicovolcanoconiosis" * 2 + " is a word")
    assert len(made) == DERIVED_MAX and made.endswith("…")


def test_a_typed_title_is_kept_and_an_empty_one_taken_from_the_text(make_appeal):
    typed = make_appeal(title="  Dry well  ", body="The well behind the school has been dry for a week. Help.")
    assert typed.title == "Dry well"
    derived = make_appeal(title="", body="The well behind the school has been dry for a week. Help.")
    assert derived.title == "The well behind the school has been dry for a week"


def test_a_title_too_long_or_with_control_characters_is_refused(make_appeal):
    for title in ["x" * 121, "bell\x07"]:
        with pytest.raises(InvalidInput) as refused:
            make_appeal(title=title)
        db.session.rollback()
        assert refused.value.field == "title"


@pytest.fixture
def recording():
    """Half a second of quiet as a 16-bit WAV: what is said is in the transcript here, not in the sound."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(b"\x01\x00" * 8000)
    return out.getvalue()


def _spoken(kiosk, recording, **fields):
    appeal, _new = kiosk_appeals.submit_kiosk_appeal(
        kiosk, uuid=str(uuid.uuid4()), receipt_code=kiosk.receipt_prefix + "23456", audio_data=recording,
        storage=uploads().area("audio"), **fields)
    db.session.commit()
    return appeal


def test_a_kiosk_appeal_takes_its_title_from_the_transcript(make_kiosk, recording):
    kiosk, _code = make_kiosk()
    appeal = _spoken(kiosk, recording, transcript="물이 안 나와요. 일주일째예요.")
    assert appeal.title == "물이 안 나와요"


def test_writing_down_a_voice_only_appeal_gives_it_a_title(make_kiosk, make_user, recording):
    kiosk, _code = make_kiosk(language="en")
    appeal = _spoken(kiosk, recording, transcript="", voice_only=True)
    with force_locale("en"):
        assert appeal.title == "A spoken appeal, not yet written down"
    official = make_user("official", department=appeal.department)
    kiosk_appeals.correct_transcript(appeal, actor=official, body="The pump is broken. No water since May.",
                                     title="")
    assert (appeal.title, appeal.to_listen) == ("The pump is broken", False)


def test_a_derived_title_follows_a_corrected_text_and_a_typed_one_stays(make_kiosk, make_user, recording):
    kiosk, _code = make_kiosk()
    appeal = _spoken(kiosk, recording, transcript="The pimp is broken. Help.")
    official = make_user("official", department=appeal.department)
    # The form comes back with the title the old text gave: it follows the corrected text.
    kiosk_appeals.correct_transcript(appeal, actor=official, body="The pump is broken. Help.",
                                     title="The pimp is broken")
    assert appeal.title == "The pump is broken"
    kiosk_appeals.correct_transcript(appeal, actor=official, body="The pump is broken. Help.", title="Broken pump")
    assert appeal.title == "Broken pump"
    kiosk_appeals.correct_transcript(appeal, actor=official, body="The village pump is broken.", title="Broken pump")
    assert appeal.title == "Broken pump"  # typed by an official: kept
