"""``minyi-kiosk``: the kiosk client. The voice appeal flow arrives with the kiosk issue."""

import argparse

from kiosk import __version__


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="minyi-kiosk", description="Minyi voice kiosk client.")
    parser.add_argument("--version", action="version", version=f"minyi-kiosk {__version__}")
    parser.parse_args(argv)
    print(f"minyi-kiosk {__version__}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
