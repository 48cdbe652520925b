#!/usr/bin/env bash
# Set up a Minyi voice kiosk on Raspberry Pi OS Bookworm, from a checkout of the repository:
#   sudo deploy/kiosk/setup.sh [USER]
# USER is the desktop's auto-login user (default: the one running sudo); the kiosk runs in that session,
# which has the sound server and the screen. Then put a Vosk model in place and enrol (README.md here).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
user="${1:-${SUDO_USER:-pi}}"
home="$(getent passwd "$user" | cut -d: -f6)"

apt-get update
apt-get install -y --no-install-recommends python3-venv python3-dev libportaudio2 espeak-ng curl make \
  fonts-noto-cjk fonts-noto-color-emoji libusb-1.0-0
apt-get install -y --no-install-recommends chromium || apt-get install -y --no-install-recommends chromium-browser
# The gpio group exists on Raspberry Pi OS; elsewhere (a test machine) the button is not wired anyway.
usermod -a -G audio "$user"
# A receipt printer: /dev/usb/lp* belong to the lp group, serial lines to dialout (a printer on raw USB needs a
# udev rule too: README.md here).
usermod -a -G lp,dialout "$user"
if getent group gpio > /dev/null; then usermod -a -G gpio "$user"; fi
install -d -o "$user" -g "$user" -m 0700 /var/lib/minyi-kiosk /var/lib/minyi-kiosk/models

if [ "$repo" != /opt/minyi ]; then
  rm -rf /opt/minyi && cp -a "$repo" /opt/minyi
  rm -rf /opt/minyi/.venv  # the checkout's own environment may hold the server's libraries: never reuse it
fi
# The kiosk's libraries only (none of the server's: no database drivers, no object storage, no job queue).
python3 -m venv /opt/minyi/.venv
/opt/minyi/.venv/bin/pip install --upgrade pip
/opt/minyi/.venv/bin/pip install -e '/opt/minyi[kiosk]'
/opt/minyi/.venv/bin/pybabel compile -d /opt/minyi/kiosk/translations -D messages

[ -f /etc/minyi-kiosk/config.toml ] || install -D -m 0644 "$here/config.toml" /etc/minyi-kiosk/config.toml
install -d -o "$user" -g "$user" "$home/.config/systemd/user"
install -o "$user" -g "$user" -m 0644 "$here/minyi-kiosk.service" "$here/minyi-kiosk-screen.service" \
  "$home/.config/systemd/user/"
loginctl enable-linger "$user"
echo "Installed for $user. Next: a Vosk model in /var/lib/minyi-kiosk/models/current, then, as $user:"
echo "  MINYI_KIOSK_CONFIG=/etc/minyi-kiosk/config.toml /opt/minyi/.venv/bin/minyi-kiosk enroll --server URL --code CODE"
echo "  systemctl --user enable --now minyi-kiosk minyi-kiosk-screen"
