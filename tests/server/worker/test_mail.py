"""Mail to residents through a real SMTP server (aiosmtpd): sent by a worker after the official's step, in the reader's
language, to followers and to the contact address; kept and retried when the mail server is away."""


import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from appeals import services as appeal_services
from appeals import workflow as appeal_workflow
from core.db import db
from core.mail import OutgoingMail
from server.worker.mailer import deliver_pending
from server.worker.tasks import work
from tests.helpers import Inbox, free_port


@pytest.fixture
def smtp(app):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MINYI_SMTP_HOST="127.0.0.1", MINYI_SMTP_PORT=controller.port, MINYI_MAIL_FROM="minyi@example.org",
                      MINYI_BASE_URL="https://minyi.example.org")
    yield inbox
    controller.stop()


def test_followers_get_the_answer_by_mail_in_their_language(app, client, smtp, make_appeal, make_user):
    appeal = make_appeal(contact_email="wang@example.org")
    appeal.author.locale = "en"
    neighbour = make_user("resident", region=appeal.region, verified=True, email="li@example.org")
    appeal_services.cosign(appeal, actor=neighbour)
    db.session.commit()
    client.login(make_user("official", department=appeal.department))
    response = client.post(f"/officials/appeals/{appeal.id}/answer", {"body": "A new pump comes Friday."})
    assert response.status_code == 302 and smtp.messages == []  # the official does not wait for the mail server
    work(app, burst=True)  # a worker sends it
    delivered = {tuple(to): message for to, message in smtp.messages}
    english = delivered[(appeal.author.email,)]
    assert english["Subject"] == f"Minyi: Appeal No. {appeal.id} “{appeal.title}” has an answer."
    assert f"https://minyi.example.org/appeals/{appeal.id}" in english.get_content()
    assert delivered[("li@example.org",)]["Subject"] == f"民意：第 {appeal.id} 号诉求“{appeal.title}”已有答复。"  # Chinese
    assert ("wang@example.org",) in delivered  # the contact address given with the appeal
    assert len(smtp.messages) == 3
    assert deliver_pending() == (0, 0)  # nothing is sent twice


def test_mail_waits_in_the_outbox_while_the_server_is_away(app, make_appeal, make_user):
    app.config.update(MINYI_SMTP_HOST="127.0.0.1", MINYI_SMTP_PORT=free_port())  # nobody listens there
    appeal = make_appeal()
    appeal_workflow.answer_appeal(appeal, actor=make_user("official", department=appeal.department), body="Done")
    db.session.commit()
    assert deliver_pending() == (0, 1)
    mail = db.session.scalar(select(OutgoingMail))
    assert mail.sent_at is None and mail.claimed_at is None and "connect" in mail.last_error
    assert mail.attempts == 0  # the server being away is no fault of the mail: it keeps all its tries
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=app.config["MINYI_SMTP_PORT"])
    controller.start()
    try:
        assert deliver_pending() == (1, 0)
    finally:
        controller.stop()
    assert [to for to, _message in inbox.messages] == [[appeal.author.email]]


def test_no_mail_is_queued_without_smtp(app, make_appeal, make_user):
    appeal = make_appeal()
    appeal_workflow.answer_appeal(appeal, actor=make_user("official", department=appeal.department), body="Done")
    db.session.commit()
    assert db.session.scalar(select(OutgoingMail)) is None
