"""A kiosk that never rests, for the power-cut test: it keeps a new appeal (printing its receipt code the moment
it is confirmed, as the screen shows it), then delivers what waits, again and again, until it is killed.

    python -m tests.kiosk.busy_kiosk DATA_DIR SERVER TOKEN PREFIX RECORDING
"""

import sys
from pathlib import Path

from kiosk.client import Client
from kiosk.outbox import Outbox
from kiosk.sync import deliver_due


def main(data_dir, server, token, prefix, recording):
    outbox = Outbox(Path(data_dir), prefix)
    client = Client(server, token, "en")
    audio = Path(recording).read_bytes()
    n = 0
    while True:
        n += 1
        queued = outbox.add(transcript=f"busy appeal {n}", audio=audio)
        print(queued.receipt_code, flush=True)  # confirmed: the resident now holds this code
        deliver_due(outbox, client, first=0.01, longest=0.05)


if __name__ == "__main__":
    main(*sys.argv[1:])
