#!/usr/bin/env bash
# Set up a Minyi voice kiosk on Raspberry Pi OS Bookworm, from a checkout of the repository:
#   sudo deploy/kiosk/setup.sh [USER]
#   sudo deploy/kiosk/setup.sh [--user USER] [--prefix DIR] [--no-apt]
# USER is the desktop's auto-login user (default: the one running sudo); the kiosk runs in that session,
# which has the sound server and the screen. Then put a Vosk model in place and enrol (README.md here).
# --prefix DIR installs everything under DIR (DIR/opt/minyi, DIR/etc/minyi-kiosk, DIR/var/lib/minyi-kiosk and
# DIR/<the user's home>/.config/systemd/user) and changes nothing else on the machine: a trial on any Debian.
# --no-apt installs no system packages (they are there already). Running it again is fine.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

usage() { echo "usage: sudo $0 [--user USER] [--prefix DIR] [--no-apt] [USER]"; }
user="" prefix="" apt=1
while [ $# -gt 0 ]; do
  case "$1" in
    --user) [ $# -ge 2 ] || { usage >&2; exit 2; }; user="$2"; shift 2 ;;
    --user=*) user="${1#*=}"; shift ;;
    --prefix) [ $# -ge 2 ] || { usage >&2; exit 2; }; prefix="$2"; shift 2 ;;
    --prefix=*) prefix="${1#*=}"; shift ;;
    --no-apt) apt=0; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "setup.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) [ -z "$user" ] || { usage >&2; exit 2; }; user="$1"; shift ;;
  esac
done
user="${user:-${SUDO_USER:-pi}}"

# Minimum free space where the kiosk goes, in MB: the venv (numpy, Vosk, Flask) takes about 250 MB, a Mandarin
# model about 100 MB unpacked; Chromium and the CJK fonts about 700 MB more.
need_mb=$(( apt ? 1500 : 600 ))
min_python=3.11

# --- Checks: everything that is missing is said, one line each, before anything is changed. ---------------------
problems=()
problem() { problems+=("$1"); }

if [ -n "$prefix" ]; then
  case "$prefix" in
    /*) ;;
    *) prefix="$(pwd)/$prefix" ;;
  esac
  prefix="${prefix%/}"
  case "$prefix" in
    *[\#\&\\]*) problem "--prefix $prefix: a folder name with #, & or \\ is not supported" ;;
    "$repo"|"$repo"/*) problem "--prefix $prefix is inside the checkout $repo: choose a folder outside it" ;;
  esac
fi

if [ "$(id -u)" != 0 ]; then
  # Without root only a trial of one's own: under a prefix, no packages, for oneself.
  if [ -z "$prefix" ] || [ "$apt" = 1 ] || [ "$user" != "$(id -un)" ]; then
    problem "not running as root: run sudo $0 (without root only --prefix DIR --no-apt --user $(id -un) works)"
  fi
fi

home=""
if ! getent passwd "$user" > /dev/null; then
  problem "user $user does not exist: give the desktop's auto-login user (--user USER)"
else
  home="$(getent passwd "$user" | cut -d: -f6)"
  group="$(id -gn "$user")"
  if [ -z "$home" ] || [ ! -d "$home" ]; then
    problem "user $user has no home folder ($home): its systemd user units go there"
  fi
fi

if [ "$apt" = 1 ]; then
  if [ ! -f /etc/debian_version ] || ! command -v apt-get > /dev/null; then
    problem "this is not a Debian-like system with apt-get (Raspberry Pi OS Bookworm is); use --no-apt and install the packages yourself"
  fi
fi

if ! command -v python3 > /dev/null; then
  problem "python3 is missing: Python $min_python or newer is needed (apt-get install python3 python3-venv)"
elif ! python3 -c "import sys; sys.exit(sys.version_info < tuple(map(int, '$min_python'.split('.'))))"; then
  problem "python3 is $(python3 -c 'import platform; print(platform.python_version())'): the kiosk needs Python $min_python or newer (Raspberry Pi OS Bookworm has 3.11)"
elif [ "$apt" = 0 ]; then
  # With apt, python3-venv is installed below; without, venv and its pip must work already (Debian splits them off).
  probe="$(mktemp -d)"
  python3 -m venv "$probe/venv" > /dev/null 2>&1 \
    || problem "python3 cannot make a virtual environment with pip: install python3-venv (or run without --no-apt)"
  rm -rf "$probe"
fi

if [ ! -f "$repo/pyproject.toml" ] || [ ! -d "$repo/kiosk" ]; then
  problem "$repo is not a Minyi checkout (no pyproject.toml or kiosk/): run the script from inside one"
fi

# Free space where the kiosk goes: the nearest folder that exists.
target="${prefix:-}/opt"
while [ ! -d "$target" ]; do target="$(dirname "$target")"; done
free_mb=$(( $(df -Pk "$target" | awk 'NR == 2 { print $4 }') / 1024 ))
[ "$free_mb" -ge "$need_mb" ] || problem "only $free_mb MB free on $target: the kiosk needs $need_mb MB"

if [ ${#problems[@]} -gt 0 ]; then
  for line in "${problems[@]}"; do echo "setup.sh: $line" >&2; done
  echo "setup.sh: nothing was changed." >&2
  exit 1
fi

opt="$prefix/opt/minyi"
etc="$prefix/etc/minyi-kiosk"
var="$prefix/var/lib/minyi-kiosk"
units="$prefix$home/.config/systemd/user"
venv="$opt/.venv"
# A Raspberry Pi says so in its device tree ("Raspberry Pi 5 Model B Rev 1.0"); elsewhere there is no GPIO.
model="$(tr -d '\0' 2> /dev/null < /proc/device-tree/model || true)"
case "$model" in "Raspberry Pi"*) pi=1 ;; *) pi=0 ;; esac

# --- System packages -----------------------------------------------------------------------------------------
if [ "$apt" = 1 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends python3-venv python3-dev libportaudio2 espeak-ng curl \
    fonts-noto-cjk fonts-noto-color-emoji libusb-1.0-0
  apt-get install -y --no-install-recommends chromium || apt-get install -y --no-install-recommends chromium-browser
  # The GPIO library gpiozero uses on Bookworm (the only one that works on a Pi 5): the C library here, its
  # Python binding in the venv below (swig builds it where PyPI has no wheel).
  if [ "$pi" = 1 ]; then apt-get install -y --no-install-recommends liblgpio-dev swig; fi
fi

# --- Groups and the data folder ------------------------------------------------------------------------------
if [ -z "$prefix" ]; then
  # The gpio group exists on Raspberry Pi OS (/dev/gpiochip*); elsewhere the button is not wired anyway.
  usermod -a -G audio "$user"
  # A receipt printer: /dev/usb/lp* belong to the lp group, serial lines to dialout (a printer on raw USB needs a
  # udev rule too: README.md here).
  usermod -a -G lp,dialout "$user"
  if getent group gpio > /dev/null; then usermod -a -G gpio "$user"; fi
fi
install -d -o "$user" -g "$group" -m 0700 "$var" "$var/models"

# --- The code: a copy of the checkout, without its environment, caches or compiled catalogs -----------------
if [ "$repo" != "$opt" ]; then
  mkdir -p "$opt"
  find "$opt" -mindepth 1 -maxdepth 1 ! -name .venv -exec rm -rf {} +
  tar -C "$repo" --exclude=./.venv --exclude=./.git --exclude=./instance --exclude=./node_modules \
    --exclude=./test-artifacts --exclude=./build --exclude=./dist --exclude='*.egg-info' --exclude=__pycache__ \
    --exclude=.pytest_cache --exclude='*.mo' -cf - . | tar -C "$opt" --no-same-owner -xf -
fi

# --- The kiosk's own environment --------------------------------------------------------------------------------
# Made here, never copied: the checkout's .venv holds the server's libraries. Isolated from apt's Python packages
# (no --system-site-packages): Raspberry Pi OS's desktop brings many, which would mix into the kiosk. So the GPIO
# binding (lgpio) is pip's too. A venv this script did not make, or one whose Python is gone, is made anew.
marker="$venv/.minyi-kiosk"
if [ -d "$venv" ] && { [ ! -f "$marker" ] || ! "$venv/bin/python" -c "" 2> /dev/null \
    || [ "$("$venv/bin/python" -c 'import sys; print(sys.version_info[:2])')" \
         != "$(python3 -c 'import sys; print(sys.version_info[:2])')" ]; }; then
  rm -rf "$venv"
fi
if [ ! -d "$venv" ]; then
  python3 -m venv "$venv"
  echo "minyi[kiosk] only, made by deploy/kiosk/setup.sh" > "$marker"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -e "${opt}[kiosk]"
if [ "$pi" = 1 ]; then
  # gpiozero tries lgpio first; it drives every model on Bookworm. RPi.GPIO only where lgpio cannot be had (an
  # older system on a Pi 1-4; it never works on a Pi 5).
  "$venv/bin/pip" install --quiet --disable-pip-version-check lgpio \
    || { case "$model" in *"Pi 5"*) false ;; *) "$venv/bin/pip" install --quiet --disable-pip-version-check RPi.GPIO ;; esac; } \
    || { echo "setup.sh: no GPIO library could be installed for $model: the button will not work" >&2; exit 1; }
fi
# The kiosk alone: none of the server's libraries may have come in.
"$venv/bin/python" - << 'EOF'
import importlib.metadata, sys
server_only = ["SQLAlchemy", "Flask-SQLAlchemy", "psycopg", "boto3", "rq", "redis", "gunicorn", "Flask-Login"]
found = []
for name in server_only:
    try:
        importlib.metadata.version(name)
        found.append(name)
    except importlib.metadata.PackageNotFoundError:
        pass
if found:
    sys.exit(f"setup.sh: the kiosk's environment has server libraries ({', '.join(found)}): remove it and run again")
EOF
# The catalogs, with the venv's own Babel (make's targets would set up the server).
"$venv/bin/pybabel" -q compile -d "$opt/kiosk/translations" -D messages

# --- Settings and units --------------------------------------------------------------------------------------
# Under a prefix the files name the prefixed folders, so the trial runs as it is.
rewrite() { sed -e "s#/opt/minyi/#$prefix/opt/minyi/#g" -e "s#/etc/minyi-kiosk/#$prefix/etc/minyi-kiosk/#g" \
  -e "s#/var/lib/minyi-kiosk#$prefix/var/lib/minyi-kiosk#g" "$1"; }
if [ ! -f "$etc/config.toml" ]; then  # the kiosk's settings are kept
  install -d -m 0755 "$etc"
  rewrite "$here/config.toml" > "$etc/config.toml.new" && chmod 0644 "$etc/config.toml.new"
  mv "$etc/config.toml.new" "$etc/config.toml"
fi
for dir in "$prefix$home/.config" "$prefix$home/.config/systemd" "$units"; do
  [ -d "$dir" ] || install -d -o "$user" -g "$group" -m 0755 "$dir"
done
for unit in minyi-kiosk.service minyi-kiosk-screen.service; do
  rewrite "$here/$unit" > "$units/$unit.new"
  chown "$user:$group" "$units/$unit.new" && chmod 0644 "$units/$unit.new"
  mv "$units/$unit.new" "$units/$unit"
done
if [ -z "$prefix" ]; then
  loginctl enable-linger "$user" || echo "setup.sh: loginctl enable-linger $user failed: the units start at login" >&2
fi

[ "$pi" = 1 ] || echo "Not a Raspberry Pi ($(uname -m)): no GPIO library; the touch screen and the space bar work."
echo "Installed for $user in $opt. Next: a Vosk model in $var/models/current, then, as $user:"
echo "  MINYI_KIOSK_CONFIG=$etc/config.toml $venv/bin/minyi-kiosk enroll --server URL --code CODE"
echo "  systemctl --user enable --now minyi-kiosk minyi-kiosk-screen"
