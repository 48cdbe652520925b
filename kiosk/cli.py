"""``minyi-kiosk``: the kiosk client.

  enroll --server URL --code CODE   exchange the admin's one-time code for this kiosk's device token
  transcribe FILE                   recognize a WAV/Ogg recording with the configured Vosk model
  record [--no-queue]               record one appeal from the microphone (live transcript), and queue it
  queue --audio FILE [--text T]     keep an appeal in the outbox (what the screen does on Send); prints its receipt
  sync [--once]                     deliver the outbox (with back-off while offline) and send heartbeats
  status                            what waits in the outbox
  model install [--file ARCHIVE]    install the server's current speech model (resumes, checks, switches at once)
  print-test                        print a sample slip on the receipt printer (printer in config.toml)
  serve                             the kiosk: touch screen on 127.0.0.1, button, recognition and delivery


Each command imports the parts it uses when it runs: `minyi-kiosk status` starts in a tenth of the time, and
`enroll` works before the microphone, the button and Vosk are set up."""

import argparse
import json
import logging
import signal
import sys
import threading
from pathlib import Path

from kiosk import __version__
from kiosk.config import ConfigError, load, save_enrolment


def _outbox(config):
    from kiosk.outbox import Outbox  # lazily: see the module docstring

    prefix = config.identity().get("receipt_prefix")
    if not prefix:
        raise ConfigError("This kiosk is not enrolled yet: run minyi-kiosk enroll --server URL --code CODE.")
    return Outbox(config.data_dir, prefix)


def _client(config):
    from kiosk.client import Client  # lazily: see the module docstring

    if not config.server_url:
        raise ConfigError("No server is set: enrol the kiosk first, or set server in config.toml.")
    return Client(config.server_url, config.token(), config.spoken_language)


def cmd_enroll(config, args) -> int:
    from kiosk.client import Client, Offline, Refused  # lazily: see the module docstring

    try:
        token, kiosk = Client(args.server, None, config.spoken_language).enroll(args.code)
    except Offline as error:
        print(f"The server {args.server} cannot be reached: {error}. Check the address and the network.",
              file=sys.stderr)
        return 3
    except Refused as error:
        print(error.message, file=sys.stderr)
        return 2
    save_enrolment(config, args.server.rstrip("/"), token, kiosk)
    print(f"Enrolled as \"{kiosk['name']}\" ({kiosk['village']['name']}); receipt codes start with "
          f"{kiosk['receipt_prefix']}. The token is in {config.token_path}.")
    return 0


def cmd_transcribe(config, args) -> int:
    from kiosk.recognizer import ModelMissing, Recognizer  # lazily: see the module docstring

    try:
        recognizer = Recognizer(args.model or config.model_path)
    except ModelMissing as error:
        print(error, file=sys.stderr)
        return 2
    try:
        result = recognizer.transcribe_file(args.file)
    except (OSError, RuntimeError) as error:
        print(f"{args.file} cannot be read as a recording: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"text": result.text, "words": result.words}, ensure_ascii=False))
    else:
        print(result.text)
    return 0


def cmd_record(config, args) -> int:
    """What the big button does, from the command line: for operators checking a microphone, and for tests."""
    from kiosk.microphone import MicrophoneMissing, Recording  # lazily: see the module docstring
    from kiosk.recognizer import ModelMissing, Recognizer  # lazily: see the module docstring

    def say(**event):
        print(json.dumps(event, ensure_ascii=False), flush=True)

    try:
        recognizer = Recognizer(config.model_path)
    except ModelMissing as error:
        print(error, file=sys.stderr)
        return 2
    outbox = None if args.no_queue else _outbox(config)
    recording = Recording(recognizer, device=config.input_device, silence_seconds=config.silence_seconds,
                          max_seconds=config.max_seconds, warn_seconds=config.warn_seconds,
                          on_partial=lambda text: say(event="partial", text=text),
                          on_warning=lambda: say(event="warning", seconds_left=config.warn_seconds))
    try:
        recording.start()
    except MicrophoneMissing as error:
        print(f"No microphone answers ({error}). Check that it is plugged in.", file=sys.stderr)
        return 3
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: recording.stop("pressed"))
    say(event="listening", rate=recording.rate)
    recorded = recording.wait()
    done = {"event": "done", "text": recorded.text, "reason": recorded.reason, "seconds": round(recorded.seconds, 2)}
    if outbox is not None and recorded.reason != "nothing":
        queued = outbox.add(transcript=recorded.text, words=json.dumps(recorded.words, ensure_ascii=False),
                            audio=recorded.ogg_opus())
        done["receipt"] = queued.receipt_code
    say(**done)
    return 0


def cmd_queue(config, args) -> int:
    audio = Path(args.audio)
    if audio.suffix.lower() not in (".ogg", ".opus", ".wav"):
        print("The recording must be an .ogg (Opus) or .wav file.", file=sys.stderr)
        return 2
    outbox = _outbox(config)
    queued = outbox.add(transcript=args.text or "", audio=audio.read_bytes(),
                        extension=".wav" if audio.suffix.lower() == ".wav" else ".ogg", category=args.category,
                        contact_phone=args.phone)
    print(queued.receipt_code, flush=True)
    return 0


def cmd_sync(config, args) -> int:
    from kiosk import sync  # lazily: see the module docstring

    outbox, client = _outbox(config), _client(config)
    if args.once:
        report = sync.deliver_due(outbox, client, first=config.retry_first_seconds,
                                  longest=config.retry_max_seconds, limit=10**9)
        counts = outbox.counts()
        print(f"sent {report.sent}, waiting {counts['queued']}, refused {counts['refused']}"
              + (" (this kiosk is out of service: enrol it again)" if report.revoked else ""))
        return 4 if report.revoked else 0
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    sync.run(outbox, client, stop, first=config.retry_first_seconds, longest=config.retry_max_seconds,
             heartbeat_seconds=config.heartbeat_seconds, model=installed_model(config))
    return 0


def cmd_serve(config, args) -> int:
    """Everything a kiosk runs: the touch screen, the big button, recognition, and delivery in the background."""
    from werkzeug.serving import make_server

    from kiosk import button, sync  # lazily: see the module docstring
    from kiosk.machine import Machine  # lazily: see the module docstring
    from kiosk.printer import SlipPrinter  # lazily: see the module docstring
    from kiosk.recognizer import ModelMissing, Recognizer  # lazily: see the module docstring
    from kiosk.ui import create_ui  # lazily: see the module docstring
    from kiosk.voice import Voice  # lazily: see the module docstring

    outbox, client = _outbox(config), _client(config)
    content_path = config.data_dir / "content.json"
    try:
        content = json.loads(content_path.read_text())
    except (FileNotFoundError, ValueError):
        content = {"kiosk": config.identity()}
    try:
        recognizer = Recognizer(config.model_path)
    except ModelMissing as error:
        logging.error("%s", error)
        recognizer = None
    wake, stop = threading.Event(), threading.Event()
    machine = Machine(config=config, outbox=outbox, voice=Voice(config.spoken_language), recognizer=recognizer,
                      client=client, content=content, wake_sync=wake, printer=SlipPrinter.from_config(config))
    app = create_ui(machine)

    def refresh_content(client):
        fresh = client.content()
        machine.content = fresh
        content_path.write_text(json.dumps(fresh, ensure_ascii=False))

    def out_of_service(revoked):
        machine.out_of_service = revoked

    worker = threading.Thread(target=sync.run, args=(outbox, client, stop), daemon=True, kwargs={
        "first": config.retry_first_seconds, "longest": config.retry_max_seconds, "wake": wake,
        "heartbeat_seconds": config.heartbeat_seconds, "on_beat": refresh_content, "on_revoked": out_of_service,
        "model": recognizer.name if recognizer else None})
    worker.start()
    pressed = button.attach(config.button_pin, machine.press)
    server = make_server("127.0.0.1", args.port or config.ui_port, app, threaded=True)

    def shut_down(*_):
        stop.set()
        wake.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, shut_down)
    print(f"kiosk screen on http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()
    worker.join(timeout=10)
    if pressed is not None:
        pressed.close()
    return 0


def installed_model(config) -> str | None:
    path = config.model_path
    return path.resolve().name if path.exists() else None


def cmd_model(config, args) -> int:
    """Install a speech model: the server's current one for this kiosk's language, or an archive file (from a
    USB stick, say). The kiosk service loads it when it starts again."""
    from kiosk.client import Offline, Revoked  # lazily: see the module docstring
    from kiosk.models import InstallError, install_archive, install_from_server  # lazily: see the module docstring

    try:
        if args.file:
            folder = install_archive(Path(args.file), config.models_dir, args.name or Path(args.file).stem)
            changed = True
        else:
            folder, changed = install_from_server(_client(config), config.models_dir)
    except (InstallError, Offline) as error:
        print(f"The model was not installed: {error}. The kiosk keeps the model it has.", file=sys.stderr)
        return 2
    except Revoked:
        print("The server no longer accepts this kiosk: enrol it again.", file=sys.stderr)
        return 4
    print(f"installed {folder}; restart the kiosk to use it" if changed else f"{folder} is already installed")
    return 0


def cmd_print_test(config, args) -> int:
    """A sample slip, to check a newly attached printer (its ids, its access rights, the font)."""
    from datetime import datetime

    from kiosk.printer import SlipPrinter, receipt_page_url  # lazily: see the module docstring

    printer = SlipPrinter.from_config(config)
    if printer is None:
        print("No printer is set: set printer in config.toml (deploy/kiosk/config.toml lists the forms).",
              file=sys.stderr)
        return 2
    code = "TEST-2345"
    village = (config.identity().get("village") or {}).get("name", "")
    if not printer.print_slip(code, village=village, when=datetime.now(), language=config.spoken_language,
                              status_url=receipt_page_url(config.server_url or "https://minyi.example.org", code)):
        print(f"Nothing was printed on {config.printer}: {printer.last_error}", file=sys.stderr)
        return 1
    print(f"Printed a test slip on {config.printer}" + (" (its paper is running low)" if printer.paper_low else "")
          + ("." if printer.font or config.spoken_language == "en"
             else "; no font with Chinese characters was found, so it is in English."))
    return 0


def cmd_status(config, args) -> int:
    outbox = _outbox(config)
    counts, last = outbox.counts(), outbox.last_sync()
    print(json.dumps({**counts, "last_sync": last, "server": config.server_url}))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="minyi-kiosk", description="Minyi voice kiosk client.")
    parser.add_argument("--version", action="version", version=f"minyi-kiosk {__version__}")
    parser.add_argument("--config", help="config.toml (default: $MINYI_KIOSK_CONFIG or /etc/minyi-kiosk/config.toml)")
    commands = parser.add_subparsers(dest="command")
    enroll = commands.add_parser("enroll", help="exchange the one-time enrolment code for a device token")
    enroll.add_argument("--server", required=True, help="the Minyi server, e.g. https://minyi.example.org")
    enroll.add_argument("--code", required=True, help="the code from the admin's list of kiosks")
    transcribe = commands.add_parser("transcribe", help="recognize a WAV/Ogg recording")
    transcribe.add_argument("file")
    transcribe.add_argument("--model", help="Vosk model folder (default: model_dir of the config)")
    transcribe.add_argument("--json", action="store_true", help="print the text and the words with confidences")
    record = commands.add_parser("record", help="record one appeal from the microphone and queue it")
    record.add_argument("--no-queue", action="store_true", help="only show what was recognized")
    queue = commands.add_parser("queue", help="keep an appeal in the outbox and print its receipt code")
    queue.add_argument("--audio", required=True, help="the recording (.ogg Opus or .wav)")
    queue.add_argument("--text", help="the transcript")
    queue.add_argument("--category", help="category code")
    queue.add_argument("--phone", help="callback phone number")
    sync = commands.add_parser("sync", help="deliver the outbox")
    sync.add_argument("--once", action="store_true", help="one pass, then exit")
    commands.add_parser("status", help="what waits in the outbox")
    model = commands.add_parser("model", help="speech models")
    model_commands = model.add_subparsers(dest="model_command", required=True)
    install = model_commands.add_parser("install", help="install the server's current model (or --file ARCHIVE)")
    install.add_argument("--file", help="a model archive (.zip) to install instead")
    install.add_argument("--name", help="its name (default: the file's name)")
    commands.add_parser("print-test", help="print a sample slip on the receipt printer")
    serve = commands.add_parser("serve", help="run the kiosk: touch screen, button, recognition, delivery")
    serve.add_argument("--port", type=int, help="screen port (default: ui_port of the config, 8080)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command is None:
        print(f"minyi-kiosk {__version__}")
        return 0
    try:
        config = load(args.config)
        return {"enroll": cmd_enroll, "transcribe": cmd_transcribe, "queue": cmd_queue, "record": cmd_record, "sync": cmd_sync, "serve": cmd_serve, "model": cmd_model,
                "status": cmd_status, "print-test": cmd_print_test}[args.command](config, args)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
