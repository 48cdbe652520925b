"""A kiosk that takes budget ballots without rest, for the power-cut test: for each code in turn it keeps a
ballot (printing the code the moment the ballot is confirmed), then delivers what waits, until it is killed. A
restart goes on with the first code no kept ballot used.

    python -m tests.kiosk.busy_ballot_kiosk DATA_DIR SERVER TOKEN PREFIX CYCLE_ID PART_ID PROJECT_ID CODE...
"""

import sys
from pathlib import Path

from kiosk.client import Client
from kiosk.outbox import Outbox
from kiosk.sync import deliver_due


def main(data_dir, server, token, prefix, cycle_id, part_id, project_id, *codes):
    outbox = Outbox(Path(data_dir), prefix)
    client = Client(server, token, "en")
    kept = outbox.db.execute("SELECT count(*) FROM ballots").fetchone()[0]
    for code in codes[kept:]:
        outbox.ballots.add(cycle_id=int(cycle_id), code=code,
                           parts=[{"part_id": int(part_id), "projects": [int(project_id)]}])
        print(code, flush=True)  # confirmed: the resident was told their ballot is kept
        deliver_due(outbox, client, first=0.01, longest=0.05)
    while outbox.ballots.counts()["queued"]:
        deliver_due(outbox, client, first=0.01, longest=0.05)
    print("done", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
