"""Discussion: comments with a stance, one level of replies, a short edit window, flags and moderation."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from accounts.notifications import Notification
from core.db import db, utcnow
from core.errors import Conflict, NotAllowed
from proposals import discussion
from proposals.comments import Comment


def test_replies_stay_one_level_deep(make_proposal, make_user):
    proposal = make_proposal()
    someone = make_user("resident")
    top = discussion.post_comment(proposal, actor=someone, body="Good idea", stance="for")
    reply = discussion.post_comment(proposal, actor=proposal.author, body="Thanks", reply_to=top)
    reply_to_reply = discussion.post_comment(proposal, actor=someone, body="You're welcome", reply_to=reply)
    assert reply.parent_id == top.id and reply_to_reply.parent_id == top.id


def test_comments_can_be_edited_only_briefly_and_only_by_the_author(make_proposal, make_user):
    proposal = make_proposal()
    author = make_user("resident")
    comment = discussion.post_comment(proposal, actor=author, body="Typo hree")
    with pytest.raises(NotAllowed):
        discussion.edit_comment(comment, actor=proposal.author, body="Not mine")
    discussion.edit_comment(comment, actor=author, body="Typo here")
    assert comment.edited_at is not None
    comment.created_at = utcnow() - timedelta(minutes=16)
    with pytest.raises(Conflict):
        discussion.edit_comment(comment, actor=author, body="Too late")


def test_enough_flags_hide_content_and_tell_the_author(app, make_proposal, make_user):
    app.config["MINYI_FLAGS_TO_HIDE"] = 2
    proposal = make_proposal()
    comment = discussion.post_comment(proposal, actor=make_user("resident"), body="Rude words")
    discussion.flag("comment", comment.id, actor=make_user("resident", verified=True), reason="Insulting")
    assert comment.hidden_at is None
    discussion.flag("comment", comment.id, actor=make_user("resident", verified=True), reason="Insulting")
    assert comment.hidden_at is not None and comment.body == "Rude words"  # the original is kept
    assert db.session.scalar(select(Notification.kind).where(Notification.user_id == comment.author_id)) \
        == "comment_hidden"


def test_one_flag_per_person_and_none_on_own_content(make_proposal, make_user):
    proposal = make_proposal()
    reporter = make_user("resident", verified=True)
    discussion.flag("proposal", proposal.id, actor=reporter, reason="Spam")
    with pytest.raises(Conflict):
        discussion.flag("proposal", proposal.id, actor=reporter, reason="Spam again")
    with pytest.raises(Conflict):
        discussion.flag("proposal", proposal.id, actor=proposal.author, reason="Me")


def test_moderator_hides_with_a_reason_and_restores(make_proposal, make_user):
    proposal = make_proposal()
    moderator = make_user("moderator", region=proposal.region.path[0])
    discussion.hide("proposal", proposal.id, actor=moderator, reason="Personal data of a neighbour")
    assert proposal.hidden_at and proposal.hidden_reason == "Personal data of a neighbour"
    discussion.restore("proposal", proposal.id, actor=moderator)
    assert proposal.hidden_at is None


def test_residents_and_outside_moderators_cannot_hide(make_proposal, make_user, make_region):
    proposal = make_proposal()
    for actor in (make_user("resident", region=proposal.region),
                  make_user("moderator", region=make_region("county"))):
        with pytest.raises(NotAllowed):
            discussion.hide("proposal", proposal.id, actor=actor, reason="no")


def test_comment_pages(client, make_proposal, make_user):
    proposal = make_proposal()
    client.login(make_user("resident", display_name="Neighbour"))
    response = client.post(f"/proposals/{proposal.id}/comments", {"body": "<b>I agree</b>", "stance": "for"})
    assert response.status_code == 302
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "&lt;b&gt;I agree&lt;/b&gt;" in page and "1 comment" in page and "stance-for" in page
    empty = client.post(f"/proposals/{proposal.id}/comments", {"body": "  ", "stance": "for"}, follow_redirects=True)
    assert "This field is required" in empty.get_data(as_text=True)
    assert db.session.query(Comment).count() == 1


def test_hidden_proposals_vanish_from_lists_and_pages(client, make_proposal, make_user):
    proposal = make_proposal(title="Spam offer")
    discussion.hide("proposal", proposal.id, actor=make_user("admin"), reason="Advertising")
    db.session.commit()
    assert "Spam offer" not in client.get("/proposals").get_data(as_text=True)
    assert client.get(f"/proposals/{proposal.id}").status_code == 404
    client.login(proposal.author)  # the author still sees it, with the reason
    assert "Advertising" in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)


def test_moderation_queue_and_notifications_pages(client, make_proposal, make_user):
    proposal = make_proposal(title="Questionable")
    discussion.flag("proposal", proposal.id, actor=make_user("resident", verified=True), reason="Looks like spam")
    db.session.commit()
    client.login(make_user("moderator", region=proposal.region.path[0]))
    queue = client.get("/moderation").get_data(as_text=True)
    assert "Questionable" in queue and "Looks like spam" in queue
    client.post(f"/moderation/proposal/{proposal.id}/hide", {"reason": "Spam"})
    client.logout()
    client.login(proposal.author)
    page = client.get("/notifications").get_data(as_text=True)
    assert "was hidden. Reason: Spam" in page
    client.post("/notifications")
    assert db.session.scalar(select(Notification.read_at)) is not None


def test_residents_are_kept_out_of_moderation(client, make_user):
    client.login(make_user("resident"))
    assert client.get("/moderation").status_code == 403


def test_unverified_accounts_cannot_report(make_proposal, make_user):
    proposal = make_proposal()
    with pytest.raises(NotAllowed):
        discussion.flag("proposal", proposal.id, actor=make_user("resident"), reason="I dislike it")


def test_moderators_see_only_their_region(client, make_proposal, make_user, make_region):
    proposal = make_proposal(title="Reported here")
    discussion.flag("proposal", proposal.id, actor=make_user("resident", verified=True), reason="Spam")
    discussion.hide("proposal", proposal.id, actor=make_user("admin"), reason="Spam")
    db.session.commit()
    client.login(make_user("moderator", region=make_region("county")))
    assert "Reported here" not in client.get("/moderation").get_data(as_text=True)
    assert client.get(f"/proposals/{proposal.id}").status_code == 404


def test_the_automatic_hiding_reason_is_in_each_readers_language(app, client, make_proposal, make_user):
    app.config["MINYI_FLAGS_TO_HIDE"] = 1
    proposal = make_proposal()
    discussion.flag("proposal", proposal.id, actor=make_user("resident", verified=True), reason="Spam")
    db.session.commit()
    client.login(proposal.author)
    assert "Hidden after several reports" in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    chinese = client.get(f"/proposals/{proposal.id}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "Hidden after several reports" not in chinese
