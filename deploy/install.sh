#!/usr/bin/env bash
# Builds the release binary and installs pumpgw on an edge box, idempotently:
#   /usr/local/bin/pumpgw                 the binary
#   /usr/local/share/pumpgw/DeviceProfiles the shipped profiles (replaced on upgrade)
#   /etc/pumpgw/pumpgw.json5              the config (an example, only if none exists)
#   /etc/systemd/system/pumpgw.service    the unit (replaced on upgrade)
# Run from the repository root as root (or with sudo). Re-running upgrades
# the binary, the profiles and the unit; it never overwrites your config.
# Usage: deploy/install.sh [--prefix /usr/local] [--no-systemd]
set -euo pipefail

prefix=/usr/local
systemd=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="$2"; shift 2 ;;
    --no-systemd) systemd=no; shift ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo

make deps
swift build -c release --product pumpgw
bin="$(swift build -c release --show-bin-path)/pumpgw"

$SUDO install -d "$prefix/bin" "$prefix/share/pumpgw" "$prefix/share/doc/pumpgw" /etc/pumpgw
$SUDO install -m 0755 "$bin" "$prefix/bin/pumpgw"
$SUDO rm -rf "$prefix/share/pumpgw/DeviceProfiles"
$SUDO cp -r DeviceProfiles "$prefix/share/pumpgw/DeviceProfiles"
$SUDO install -m 0644 README.md "$prefix/share/doc/pumpgw/README.md"

if [ ! -e /etc/pumpgw/pumpgw.json5 ]; then
  # The example, pointed at the installed profiles and the state directory.
  sed -e "s#profiles: \"../DeviceProfiles\"#profiles: \"$prefix/share/pumpgw/DeviceProfiles\"#" \
      -e 's#path: "../var/pumpgw.db"#path: "/var/lib/pumpgw/pumpgw.db"#' \
      -e 's#url: "file:../var/feed.lp"#url: "file:/var/lib/pumpgw/feed.lp"#' \
      deploy/pumpgw.example.json5 | $SUDO tee /etc/pumpgw/pumpgw.json5 >/dev/null
  echo "installed an example config: edit /etc/pumpgw/pumpgw.json5, then: pumpgw check /etc/pumpgw/pumpgw.json5"
else
  echo "kept the existing /etc/pumpgw/pumpgw.json5"
fi
"$prefix/bin/pumpgw" check /etc/pumpgw/pumpgw.json5 || echo "the config has problems (above): fix them before starting the service"

if [ "$systemd" = yes ]; then
  sed "s#/usr/local/bin/pumpgw#$prefix/bin/pumpgw#g" deploy/pumpgw.service | $SUDO tee /etc/systemd/system/pumpgw.service >/dev/null
  if [ -d /run/systemd/system ]; then
    $SUDO systemctl daemon-reload
    echo "start with: systemctl enable --now pumpgw; logs: journalctl -u pumpgw -f"
  else
    echo "systemd is not running here: the unit is installed but not loaded"
  fi
fi
