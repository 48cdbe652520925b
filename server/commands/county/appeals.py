"""A year of appeals: sent on the web and spoken at the kiosks (some voice only, written down by an official),
accepted, answered on time or late (each department at its own pace, faster as the year went on), resolved,
rejected or marked duplicate, co-signed by neighbours, rated, and now and then reopened."""

import io
import math
import uuid
import wave
from datetime import timedelta
from functools import cache

from appeals import kiosk as kiosk_appeals
from appeals import services, workflow
from appeals.models import AppealStatus
from appeals.routing import responsible_department
from core.storage import uploads
from server.commands.county import pictures
from server.commands.county.words import (
    ANSWERS,
    APPEAL_TEXTS,
    KIOSK_TRANSCRIPTS,
    NOTE,
    RATING_COMMENTS,
    REJECTED,
    REOPEN,
    SOLVED,
    VOICE_ONLY_TRANSCRIPTS,
)
from wire.protocol import PREFIX_LENGTH, RECEIPT_ALPHABET, RECEIPT_LENGTH

#: Median hours to the first answer, by department (before the year's improvement).
PACE = {"fy-roads": 90, "fy-water": 30, "fy-sanitation": 45, "fy-education": 60, "qs-office": 70, "hk-office": 80}
#: Appeals a month, from twelve months ago to this month: more in the rainy summer.
MONTHLY = [4, 5, 6, 8, 10, 12, 11, 9, 7, 6, 6, 6]
CATEGORY_WEIGHTS = {"roads": 6, "water": 5, "sanitation": 4, "education": 2, "electricity": 3, "health": 2,
                    "safety": 2, "other": 2}
WAITING = (AppealStatus.SUBMITTED, AppealStatus.ACCEPTED, AppealStatus.IN_PROGRESS)


def recording(seed: int = 0) -> bytes:
    """A WAV the demo makes for a kiosk appeal: a soft rising and falling hum where the resident's voice would be
    (three of them, made once: a sample at a time in Python is slow)."""
    return _hum(seed % 3)


@cache
def _hum(variant: int, seconds: float = 3.0) -> bytes:
    rate, out, seed = 16_000, io.BytesIO(), variant
    frames = bytearray()
    for n in range(int(rate * seconds)):
        t = n / rate
        envelope = 0.5 + 0.5 * math.sin(2 * math.pi * (1.5 + seed % 3) * t)
        sample = int(5000 * envelope * math.sin(2 * math.pi * (180 + 40 * math.sin(2 * math.pi * 0.7 * t)) * t))
        frames += sample.to_bytes(2, "little", signed=True)
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(rate)
        sound.writeframes(bytes(frames))
    return out.getvalue()


def plan_year(county) -> None:
    """About 90 appeals over the last twelve months, each with what happened to it since."""
    rng = county.rng
    villages = sorted(county.verified)
    categories = list(CATEGORY_WEIGHTS)
    number = 0
    for month, count in enumerate(MONTHLY):
        for _ in range(count + rng.randint(-2, 2)):
            days = (11 - month) * 30.4 + rng.uniform(0, 30.4)
            if days < 1.5:
                continue
            number += 1
            village = rng.choice(villages)
            category = rng.choices(categories, weights=[CATEGORY_WEIGHTS[c] for c in categories])[0]
            spoken = village in county.kiosks and rng.random() < 0.3
            plan_appeal(county, days=days, village=village, category=category, spoken=spoken,
                        public=number == 1 or rng.random() < 0.92, improvement=1.4 - 0.8 * month / 11)
    # The calendar month so far (the home page's "this month"): a few more, answered at this year's best pace.
    into_month = (county.now - county.now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)).days
    for _ in range(into_month // 2):
        plan_appeal(county, days=rng.uniform(1.5, into_month), village=rng.choice(villages),
                    category=rng.choices(categories, weights=[CATEGORY_WEIGHTS[c] for c in categories])[0],
                    spoken=False, public=True, improvement=0.4)


def plan_appeal(county, *, days, village, category, spoken, public, improvement) -> None:
    """Send one appeal ``days`` ago and plan its handling."""
    rng, made = county.rng, {}
    created = county.ago(days)
    people = county.verified[village]
    author = rng.choice(people)
    language = "en" if rng.random() < 0.2 else "zh_Hans"
    zh, en = rng.choice(APPEAL_TEXTS[category])
    name = county.regions[village].name_en if language == "en" else county.regions[village].name_zh
    body = (en if language == "en" else zh).format(v=name)
    voice_only = spoken and rng.random() < 0.35

    def send():
        if spoken:
            kiosk = county.kiosks[village]
            code = kiosk.receipt_prefix + "".join(rng.choices(RECEIPT_ALPHABET, k=RECEIPT_LENGTH - PREFIX_LENGTH))
            made["a"], _ = kiosk_appeals.submit_kiosk_appeal(
                kiosk, uuid=str(uuid.UUID(int=rng.getrandbits(128))), receipt_code=code,
                transcript="" if voice_only else rng.choice(KIOSK_TRANSCRIPTS), audio_data=recording(seed=len(body)),
                storage=uploads().area("audio"), category=category, public=public, voice_only=voice_only)
            return
        made["a"] = appeal = services.submit_appeal(
            actor=author, body=body, category=county.categories[category], village=county.regions[village],
            public=public, language=language)
        if rng.random() < 0.15:
            services.add_photos(appeal, [pictures.picture(category, int(days * 10))], uploads())

    county.at(created, send)
    for k, neighbour in enumerate(rng.sample(people, rng.choice((0, 0, 1, 2, 3)))):
        if neighbour.id != author.id and public and not spoken:
            county.at(created + timedelta(hours=3 + 9 * k), _cosign, made, neighbour)
    hours = rng.lognormvariate(math.log(PACE[_department_code(county, category, village)] * improvement), 0.8)
    if days < 3 and rng.random() < 0.7:
        hours = days * 24 + 1  # still waiting for its answer today
    answered = created + timedelta(hours=hours)
    county.at(created + timedelta(hours=min(hours * 0.3, 20)), handle, made, county, "accept")
    if voice_only:
        county.at(created + timedelta(hours=min(hours * 0.5, 30)), handle, made, county, "write_down")
    if rng.random() < 0.3:
        county.at(created + timedelta(hours=hours * 0.6), handle, made, county, "start")
    if rng.random() < 0.1:
        county.at(created + timedelta(hours=hours * 0.5), handle, made, county, "note")
    fate = rng.choices(("answer_then_resolve", "resolve", "answer", "reject"), weights=(50, 25, 17, 8))[0]
    county.at(answered, handle, made, county, fate, language)
    if fate == "answer_then_resolve":
        county.at(answered + timedelta(days=rng.uniform(1, 10)), handle, made, county, "resolve")
    if fate != "reject" and not spoken and rng.random() < 0.6:
        late = hours > 24 * 7
        score = rng.choices((1, 2, 3, 4, 5), weights=(4, 5, 4, 2, 1) if late else (1, 1, 3, 8, 9))[0]
        rated = answered + timedelta(days=rng.uniform(1, 14))
        county.at(rated, _rate, made, author, score, RATING_COMMENTS[language][rng.randrange(5)])
        if score <= 2 and rng.random() < 0.5:  # not solved: reopened, then solved after all
            county.at(rated + timedelta(hours=2), _reopen, made, author, REOPEN[language])
            county.at(rated + timedelta(days=rng.uniform(2, 9)), handle, made, county, "resolve_after_reopen",
                      language)


def _department_code(county, category, village):
    key = (category, village)
    if key not in county.routes:
        county.routes[key] = responsible_department(county.categories[category], county.regions[village]).code
    return county.routes[key]


def _cosign(made, neighbour):
    appeal = made.get("a")
    if appeal is not None and appeal.status in WAITING and appeal.author_id != neighbour.id:
        services.cosign(appeal, actor=neighbour)


def handle(made, county, action, language="zh_Hans"):
    """The official's ``action`` on the appeal, if its state still allows it."""
    appeal = made.get("a")
    if appeal is None:
        return
    official = county.official_for(appeal.department)
    waiting = appeal.status in WAITING
    if action == "accept" and appeal.status == AppealStatus.SUBMITTED:
        workflow.accept_appeal(appeal, actor=official)
    elif action == "start" and appeal.status in (AppealStatus.SUBMITTED, AppealStatus.ACCEPTED):
        workflow.start_work(appeal, actor=official)
    elif action == "note" and waiting:
        workflow.add_note(appeal, actor=official, body=NOTE)
    elif action == "write_down" and appeal.to_listen:
        kiosk_appeals.correct_transcript(appeal, actor=official, body=county.rng.choice(VOICE_ONLY_TRANSCRIPTS))
    elif action in ("answer", "answer_then_resolve") and waiting:
        workflow.answer_appeal(appeal, actor=official, body=county.rng.choice(ANSWERS[appeal.language]))
    elif action == "resolve" and waiting:
        workflow.answer_appeal(appeal, actor=official, body=SOLVED[appeal.language], resolve=True)
    elif action == "resolve" and appeal.status == AppealStatus.ANSWERED:
        workflow.resolve_appeal(appeal, actor=official)
    elif action == "resolve_after_reopen" and waiting:
        workflow.answer_appeal(appeal, actor=official, body=SOLVED[appeal.language], resolve=True)
    elif action == "reject" and waiting:
        workflow.reject_appeal(appeal, actor=official, reason=REJECTED[appeal.language])


def _rate(made, author, score, comment):
    appeal = made.get("a")
    if appeal is not None and appeal.answered_at is not None and appeal.status in (
            AppealStatus.ANSWERED, AppealStatus.RESOLVED, AppealStatus.REJECTED) and appeal.author_id == author.id:
        services.rate_answer(appeal, actor=author, score=score, comment=comment)


def _reopen(made, author, reason):
    appeal = made.get("a")
    if appeal is not None and appeal.status in (AppealStatus.ANSWERED, AppealStatus.RESOLVED):
        services.reopen(appeal, actor=author, reason=reason)
