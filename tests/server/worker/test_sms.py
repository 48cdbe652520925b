"""Answers by SMS through a real SMPP 3.4 exchange with a small SMS centre on loopback (the ``smsc`` fixture): sent by
a worker after the official's answer, in the resident's language, at most three parts, once; kept and retried when the
SMS centre refuses or is away; never to a resident who said no or gave no number; seen by the handling officials
only."""

import logging
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from appeals import workflow as appeal_workflow
from appeals.models import Appeal
from core.db import db, utcnow
from core.sms import OutgoingSms, SmsState
from privacy import personal_data as privacy
from server.worker import texting
from server.worker.tasks import undone, work
from tests.helpers import enroll, free_port, send

CHINESE_ANSWER = ("村东头的水泵已经换新，周五上午九点前恢复供水。" * 12)  # far longer than three messages
PHONE = "13800138000"


def sms_rows():
    return db.session.scalars(select(OutgoingSms).order_by(OutgoingSms.id)).all()


def kiosk_appeal(api, make_kiosk, recording, **fields):
    kiosk, code = make_kiosk()
    headers, _body = enroll(api, code)
    response = send(api, headers, recording, receipt_code=kiosk.receipt_prefix + "23456", **fields)
    assert response.status_code == 201, response.get_json()
    return db.session.get(Appeal, response.get_json()["id"])


def answer_as_official(client, make_user, appeal, body):
    client.login(make_user("official", department=appeal.department))
    started = time.monotonic()
    response = client.post(f"/officials/appeals/{appeal.id}/answer", {"body": body})
    assert response.status_code == 302
    return time.monotonic() - started


def test_a_kiosk_resident_gets_the_answer_by_sms_once(app, api, client, smsc, make_kiosk, make_user, recording):
    app.config["MINYI_BASE_URL"] = "https://minyi.example.org"
    appeal = kiosk_appeal(api, make_kiosk, recording, contact_phone=PHONE)
    answer_as_official(client, make_user, appeal, CHINESE_ANSWER)
    assert smsc.messages == []  # the official does not wait for the SMS centre
    work(app, burst=True)

    [message] = smsc.messages
    assert message.destination == "8613800138000" and message.source == "10690000"
    assert message.data_coding == 8 and 1 < len(message.parts) <= 3  # UCS-2, cut to fit
    assert appeal.receipt_code in message.text and "村东头的水泵已经换新" in message.text
    assert f"https://minyi.example.org/appeals/receipt?code={appeal.receipt_code}" in message.text
    assert smsc.binds[0]["system_id"] == "minyi" and smsc.binds[0]["password"] == "secret"
    row = sms_rows()[0]
    assert (row.state, row.parts_sent, row.message_ids) == (SmsState.SENT, len(message.parts),
                                                            [p.message_id for p in message.parts])

    work(app, burst=True)  # again: nothing more
    assert texting.deliver_pending() == (0, 0) and ("sms", "") not in undone()
    assert len(smsc.messages) == 1 and len(smsc.parts) == len(message.parts)

    page = client.get(f"/officials/appeals/{appeal.id}").get_data(as_text=True)
    assert "SMS sent to +8613800138000" in page
    public = client.get(f"/appeals/receipt?code={appeal.receipt_code}").get_data(as_text=True)
    assert "SMS" not in public and "8613800138000" not in public  # the resident's number stays with the officials


def test_an_english_web_appeal_gets_one_plain_message(app, client, smsc, make_appeal, make_user):
    appeal = make_appeal(contact_phone=PHONE, language="en")
    appeal_workflow.answer_appeal(appeal, actor=make_user("official", department=appeal.department),
                                  body="The new pump\ncomes on Friday.", resolve=True)
    db.session.commit()
    work(app, burst=True)
    [message] = smsc.messages
    assert message.data_coding == 0 and len(message.parts) == 1  # the default alphabet: 160 characters
    assert message.text == (f"Minyi: your appeal {appeal.receipt_code} is resolved: The new pump comes on Friday. "
                            f"Hear the full answer at a village kiosk with the code {appeal.receipt_code}.")


def test_a_rejection_is_sent_with_its_reason(app, smsc, make_appeal, make_user):
    appeal = make_appeal(contact_phone=PHONE, language="en")
    appeal_workflow.reject_appeal(appeal, actor=make_user("official", department=appeal.department),
                                  reason="The road belongs to the province.")
    db.session.commit()
    work(app, burst=True)
    [message] = smsc.messages
    assert "was rejected: The road belongs to the province." in message.text


def test_a_long_english_answer_is_cut_at_a_word(app, smsc, make_appeal, make_user):
    appeal = make_appeal(contact_phone=PHONE, language="en")
    appeal_workflow.answer_appeal(appeal, actor=make_user("official", department=appeal.department),
                                  body="Thank you for writing about the well. " * 40)
    db.session.commit()
    work(app, burst=True)
    [message] = smsc.messages
    assert len(message.parts) == 3 and message.data_coding == 0
    assert message.text.split("...")[0].split()[-1] in {"Thank", "you", "for", "writing", "about", "the", "well"}
    assert message.text.endswith(f"with the code {appeal.receipt_code}.")


def test_a_refusing_smsc_loses_nothing_and_blocks_nobody(app, api, client, smsc, make_kiosk, make_user, recording):
    smsc.refuse = 0x58  # ESME_RTHROTTLED
    appeal = kiosk_appeal(api, make_kiosk, recording, contact_phone=PHONE)
    assert answer_as_official(client, make_user, appeal, "水泵周五修好。") < 5
    work(app, burst=True)
    assert smsc.messages == []
    row = sms_rows()[0]
    assert (row.state, row.attempts) == (SmsState.WAITING, 1) and "refused: 0x00000058" in row.last_error
    assert db.session.get(Appeal, appeal.id).answered_at is not None  # the answer itself is saved
    page = client.get(f"/officials/appeals/{appeal.id}").get_data(as_text=True)
    assert "SMS to +8613800138000 not sent yet" in page

    assert ("sms", "") not in undone()  # it waits a while before the next try ...
    row.retry_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert ("sms", "") in undone()  # ... and then the sweep asks for it again
    smsc.refuse = None
    work(app, burst=True)  # a worker starts with a sweep, which finds it
    assert texting.deliver_pending() == (0, 0)
    assert len(smsc.messages) == 1 and "水泵周五修好" in smsc.messages[0].text


def test_a_message_refused_half_way_sends_only_the_rest(app, smsc, make_appeal, make_user):
    appeal = make_appeal(contact_phone=PHONE)
    appeal_workflow.answer_appeal(appeal, actor=make_user("official", department=appeal.department),
                                  body=CHINESE_ANSWER)
    db.session.commit()
    original = smsc.submitted
    accepted = []

    def one_part_then_refuse(fields):
        if accepted:
            return 0x08, ""  # ESME_RSYSERR
        accepted.append(fields)
        return original(fields)

    smsc.submitted = one_part_then_refuse
    assert texting.deliver_pending() == (0, 1)
    row = sms_rows()[0]
    assert (row.state, row.parts_sent, len(row.message_ids)) == (SmsState.WAITING, 1, 1)

    smsc.submitted = original
    row.retry_at = None
    db.session.commit()
    assert texting.deliver_pending() == (1, 0)
    [message] = smsc.messages  # the phone joins the first part with the rest: one message, no part twice
    assert len(smsc.parts) == len(message.parts) == row.parts
    assert appeal.receipt_code in message.text


def test_an_smsc_that_is_away_loses_nothing(app, client, smsc, make_appeal, make_user, caplog):
    app.config["MINYI_SMPP_PORT"] = free_port()  # nobody listens there
    appeal = make_appeal(contact_phone=PHONE)
    assert answer_as_official(client, make_user, appeal, "水泵周五修好。") < 5
    with caplog.at_level(logging.DEBUG):
        work(app, burst=True)
    row = sms_rows()[0]
    assert row.state == SmsState.WAITING and row.attempts == 0 and "connect" in row.last_error
    assert "8613800138000" not in caplog.text  # logs never show the whole number
    assert ("sms", "") in undone()
    assert "not sent yet" in client.get(f"/officials/appeals/{appeal.id}").get_data(as_text=True)

    app.config["MINYI_SMPP_PORT"] = smsc.port  # back
    with caplog.at_level(logging.DEBUG):
        work(app, burst=True)  # a worker starts with a sweep, which finds it
        assert texting.deliver_pending() == (0, 0)
    assert len(smsc.messages) == 1
    assert "8613800138000" not in caplog.text and "水泵" not in caplog.text


@pytest.mark.parametrize("how", ["web form", "api", "kiosk"])
def test_a_resident_who_said_no_gets_no_sms(app, api, client, smsc, make_user, make_region, make_category,
                                            make_department, make_kiosk, recording, token_for, how):
    if how == "kiosk":
        appeal = kiosk_appeal(api, make_kiosk, recording, contact_phone=PHONE, sms="false")
    else:
        village, category = make_region("village"), make_category()
        make_department(region=village.path[0], categories=[category])
        resident = make_user("resident", region=village, verified=True)
        client.login(resident)
        form = {"body": "The well is dry.", "category": str(category.id), "village": str(village.id),
                "contact_phone": PHONE, "language": "en", "public": "y"}
        if how == "web form":
            assert client.post("/appeals/new", form).status_code == 302  # the SMS box left unticked
        else:
            response = api.post("/api/v1/appeals", json={"body": "The well is dry.", "category": category.code,
                                                         "village": village.code, "contact_phone": PHONE,
                                                         "sms": False},
                                headers=token_for(resident))
            assert response.status_code == 201, response.get_json()
        appeal = db.session.scalar(select(Appeal).order_by(Appeal.id.desc()))
    assert appeal.contact_phone == "+8613800138000" and appeal.sms_ok is False
    appeal_workflow.answer_appeal(appeal, actor=make_user("official", department=appeal.department), body="Fixed.")
    db.session.commit()
    work(app, burst=True)
    assert sms_rows() == [] and smsc.messages == []
    client.login(make_user("official", department=appeal.department))
    assert "no SMS, the resident asked" in client.get(f"/officials/appeals/{appeal.id}").get_data(as_text=True)


def test_the_web_form_asks_and_says_yes_by_default(client, smsc, make_user, make_region, make_category,
                                                   make_department, app):
    village, category = make_region("village"), make_category()
    make_department(region=village.path[0], categories=[category])
    client.login(make_user("resident", region=village, verified=True))
    assert 'name="sms_ok"' in client.get("/appeals/new").get_data(as_text=True)
    form = {"body": "The well is dry.", "category": str(category.id), "village": str(village.id),
            "contact_phone": PHONE, "sms_ok": "y", "language": "en"}
    assert client.post("/appeals/new", form).status_code == 302
    appeal = db.session.scalar(select(Appeal))
    appeal_workflow.answer_appeal(appeal, actor=make_user("official", department=appeal.department), body="Fixed.")
    db.session.commit()
    work(app, burst=True)
    assert [m.destination for m in smsc.messages] == ["8613800138000"]


def test_no_phone_no_sms(app, smsc, make_appeal, make_user):
    appeal = make_appeal(contact_email="wang@example.org")
    appeal_workflow.answer_appeal(appeal, actor=make_user("official", department=appeal.department), body="Done")
    db.session.commit()
    work(app, burst=True)
    assert sms_rows() == [] and smsc.messages == []


def test_nothing_is_queued_without_smpp(app, make_appeal, make_user):
    appeal = make_appeal(contact_phone=PHONE)
    appeal_workflow.answer_appeal(appeal, actor=make_user("official", department=appeal.department), body="Done")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(OutgoingSms)) == 0
    assert texting.deliver_pending() == (0, 0) and ("sms", "") not in undone()


def test_deleting_the_account_takes_its_messages_along(app, smsc, make_appeal, make_user):
    appeal = make_appeal(contact_phone=PHONE)
    appeal_workflow.answer_appeal(appeal, actor=make_user("official", department=appeal.department), body="Done")
    db.session.commit()
    assert len(sms_rows()) == 1
    privacy.delete_account(appeal.author, actor=appeal.author, password="correct horse battery")
    db.session.commit()
    work(app, burst=True)
    assert sms_rows() == [] and smsc.messages == []
