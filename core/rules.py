"""Tunable rules, read from the app's configuration (MINYI_* variables; defaults here)."""

from flask import current_app, has_app_context

DEFAULTS = {
    "MINYI_SUPPORT_MINIMUM": 10,        # supports a proposal needs at the very least
    "MINYI_SUPPORT_PERCENT": 5.0,       # ... or this share of the verified residents in its scope
    "MINYI_THRESHOLD_CACHE_SECONDS": 60.0,  # how long a count of verified residents is reused
    "MINYI_CURRENCY": "CNY",
    "MINYI_PLEDGE_MIN_MINOR": 100,      # 1 yuan
    "MINYI_PLEDGE_MAX_MINOR": 10_000_000,  # 100,000 yuan
    "MINYI_PLEDGE_MAX_HOURS": 500,
    "MINYI_COMMENT_EDIT_MINUTES": 15,   # authors may correct a comment this long after posting
    "MINYI_FLAGS_TO_HIDE": 3,           # flags from different residents that hide an item pending review
    "MINYI_IMAGE_MAX_BYTES": 8 * 2**20,  # largest photo accepted
    "MINYI_IMAGES_PER_PROPOSAL": 6,
    "MINYI_PROPOSAL_LIFETIME_DAYS": 180,  # an open proposal that never qualifies expires after this
    "MINYI_APPEAL_ANSWER_DAYS": 7,      # a department's deadline to answer, unless it sets its own
    "MINYI_APPEAL_REOPEN_DAYS": 14,     # how long after an answer a resident may reopen the appeal
    "MINYI_APPEAL_BODY_MAX": 5000,      # longest appeal text, in characters
    "MINYI_DASHBOARD_MIN_APPEALS": 5,   # a group's figures are shown from this many appeals on
    "MINYI_DASHBOARD_CACHE_SECONDS": 600.0,  # the dashboard's figures are recounted after this long at most
    "MINYI_ALERTS_CACHE_SECONDS": 60.0,  # early-warning counts are reused this long
    "MINYI_KIOSK_ENROLL_HOURS": 72,     # how long a kiosk's one-time enrolment code stays valid
    "MINYI_KIOSK_OFFLINE_MINUTES": 15,  # a kiosk not heard from for this long is shown as offline
    "MINYI_KIOSK_AUDIO_MAX_BYTES": 4 * 2**20,  # largest recording a kiosk may upload with an appeal
    "MINYI_KIOSK_AUDIO_MAX_SECONDS": 200,  # longest recording (the kiosk stops at 3 minutes)
    "MINYI_ANSWER_AUDIO_MAX_BYTES": 8 * 2**20,  # largest spoken answer an official may upload (WAV, uncompressed)
    "MINYI_ANSWER_AUDIO_MAX_SECONDS": 300,  # longest spoken answer: five minutes, heard standing at a kiosk
    "MINYI_KIOSK_MODEL_MAX_BYTES": 2 * 2**30,  # largest speech model archive uploaded on the admin page
    "MINYI_PAGE_CACHE_SECONDS": 5.0,    # public pages are kept this long for visitors who are not signed in
    "MINYI_JOB_LEASE_SECONDS": 600,     # a job (or mail) held this long by a silent worker is taken over
    "MINYI_JOB_ATTEMPTS": 8,            # a failing job is tried this often, waiting longer each time
    "MINYI_JOB_SWEEP_SECONDS": 60,      # how often workers look for work left undone (and due settlements)
    "MINYI_LATE_BALLOT_HOURS": 24.0,    # kiosk ballots cast before voting closed are taken this long after it;
                                        # counting waits for them
    "MINYI_LOCKOUT_FAILURES": 10,       # wrong passwords in a row that lock an account ...
    "MINYI_LOCKOUT_MINUTES": 15,        # ... for this long (its owner is told; an administrator can unlock it)
    "MINYI_REPLICA_CHECK_SECONDS": 5.0,  # how often each server process looks at the read replica
    "MINYI_REPLICA_MAX_LAG_SECONDS": 5.0,  # a replica further behind than this is not read from
}


def rule(name: str):
    if has_app_context() and name in current_app.config:
        return current_app.config[name]
    return DEFAULTS[name]
