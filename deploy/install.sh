#!/usr/bin/env bash
# Builds the release binary and installs pumpgw on an edge box, idempotently:
#   /usr/local/bin/pumpgw                  the binary
#   /usr/local/share/pumpgw/DeviceProfiles the shipped profiles (replaced on upgrade)
#   /etc/pumpgw/pumpgw.json5               the config (an example, only if none exists)
#   /etc/systemd/system/pumpgw.service     the unit (replaced on upgrade)
#   /etc/systemd/system/pumpgw.service.d/serial.conf
#                                          the serial ports the config's buses open
#                                          (regenerated each run; none without buses)
#   /etc/udev/rules.d/99-pumpgw-serial.rules
#                                          stable names for USB adapters (--udev-name)
# Run from the repository root as root (or with sudo). Re-running upgrades
# the binary, the profiles and the unit; it never overwrites your config.
#
# Usage: deploy/install.sh [--prefix /usr/local] [--config-dir /etc/pumpgw]
#                          [--no-systemd] [--unit-dir /etc/systemd/system] [--binary PATH]
#   --prefix DIR      where bin/ and share/ go (default /usr/local)
#   --config-dir DIR  where the config goes (default /etc/pumpgw; the unit is
#                     pointed at it when it is not the default)
#   --no-systemd      install no unit (a container, a test, a box without systemd)
#   --unit-dir DIR    where the unit goes (default /etc/systemd/system; systemd
#                     is reloaded only for the default)
#   --binary PATH     install this pumpgw binary instead of building the release
#                     one (the tests install their debug build this way)
#   --serial-only     only the serial parts: the udev rules given and the drop-in
#                     from the installed config (run it after changing `buses`)
#   --udev-name NAME --usb-serial SERIAL
#                     a udev rule that names the USB adapter with that serial
#                     number /dev/NAME (repeat the pair for more adapters); give
#                     `port: "/dev/NAME"` to its bus: /dev/ttyUSB0 changes order
#                     after a reboot, the name does not
#   --udev-dir DIR    where the rules go (default /etc/udev/rules.d)
#   --list-usb-serial print the USB serial adapters plugged in, with the rule each
#                     would get, and exit
#
# Permissions: the service runs as a DynamicUser that is not the owner of the
# config, so the config folder is 0755 and the config 0644, both root's (the
# config holds no secret: a feed token goes in pumpgw.env, mode 0600, which
# systemd reads as root).
set -euo pipefail

prefix=/usr/local
configdir=/etc/pumpgw
systemd=yes
unitdir=/etc/systemd/system
binary=""
serialonly=no
udevdir=/etc/udev/rules.d
udevnames=(); usbserials=()
sysfs=${PUMPGW_SYSFS:-/sys}   # the tests point this at a fake tree
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="$2"; shift 2 ;;
    --config-dir) configdir="$2"; shift 2 ;;
    --no-systemd) systemd=no; shift ;;
    --unit-dir) unitdir="$2"; shift 2 ;;
    --binary) binary="$2"; shift 2 ;;
    --serial-only) serialonly=yes; shift ;;
    --udev-name) udevnames+=("$2"); shift 2 ;;
    --usb-serial) usbserials+=("$2"); shift 2 ;;
    --udev-dir) udevdir="$2"; shift 2 ;;
    --list-usb-serial) list_usb=yes; shift ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
case "$prefix" in /*) ;; *) prefix="$(pwd)/$prefix" ;; esac
case "$configdir" in /*) ;; *) configdir="$(pwd)/$configdir" ;; esac
case "$binary" in ""|/*) ;; *) binary="$(pwd)/$binary" ;; esac
case "$unitdir" in /*) ;; *) unitdir="$(pwd)/$unitdir" ;; esac
case "$udevdir" in /*) ;; *) udevdir="$(pwd)/$udevdir" ;; esac
if [ "${#udevnames[@]}" -ne "${#usbserials[@]}" ]; then
  echo "install.sh: give --udev-name and --usb-serial in pairs" >&2; exit 2
fi

here="$(cd "$(dirname "$0")" && pwd)"
. "$here/serial.sh"
if [ "${list_usb:-no}" = yes ]; then list_usb_serial; exit 0; fi

cd "$(dirname "$0")/.."
# sudo only where it is needed: not for root, nor for a prefix the user owns (the tests').
writable() { local d="$1"; while [ ! -e "$d" ]; do d="$(dirname "$d")"; done; [ -w "$d" ]; }
SUDO=""
if [ "$(id -u)" -ne 0 ] && ! { writable "$prefix" && writable "$configdir" && { [ "$systemd" = no ] || writable "$unitdir"; } \
                               && { [ "${#udevnames[@]}" -eq 0 ] || writable "$udevdir"; }; }; then
  SUDO=sudo
fi

config="$configdir/pumpgw.json5"
if [ "$serialonly" = yes ]; then
  write_udev_rules
  if [ "$systemd" = yes ]; then
    write_serial_dropin
    if [ "$unitdir" = /etc/systemd/system ] && [ -d /run/systemd/system ]; then
      $SUDO systemctl daemon-reload
      echo "restart the gateway for the new ports: systemctl restart pumpgw"
    fi
  fi
  exit 0
fi

if [ -z "$binary" ]; then
  make deps
  swift build -c release --product pumpgw
  binary="$(swift build -c release --show-bin-path)/pumpgw"
fi

$SUDO install -d -m 0755 "$prefix/bin" "$prefix/share/pumpgw" "$prefix/share/doc/pumpgw" "$configdir"
$SUDO chmod 0755 "$configdir"   # an older install made it 0750: unreadable for the service
$SUDO install -m 0755 "$binary" "$prefix/bin/pumpgw"
$SUDO rm -rf "$prefix/share/pumpgw/DeviceProfiles"
$SUDO cp -r DeviceProfiles "$prefix/share/pumpgw/DeviceProfiles"
$SUDO chmod -R u=rwX,go=rX "$prefix/share/pumpgw/DeviceProfiles"
$SUDO install -m 0644 README.md "$prefix/share/doc/pumpgw/README.md"

if [ ! -e "$config" ]; then
  # The example, pointed at the installed profiles and the state directory.
  sed -e "s#profiles: \"../DeviceProfiles\"#profiles: \"$prefix/share/pumpgw/DeviceProfiles\"#" \
      -e 's#path: "../var/pumpgw.db"#path: "/var/lib/pumpgw/pumpgw.db"#' \
      -e 's#url: "file:../var/feed.lp"#url: "file:/var/lib/pumpgw/feed.lp"#' \
      deploy/pumpgw.example.json5 | $SUDO tee "$config" >/dev/null
  echo "installed an example config: edit $config, then: pumpgw check $config"
else
  echo "kept the existing $config"
fi
$SUDO chmod 0644 "$config"
"$prefix/bin/pumpgw" check "$config" || echo "the config has problems (above): fix them before starting the service"

if [ "$systemd" = yes ]; then
  sed -e "s#/usr/local/bin/pumpgw#$prefix/bin/pumpgw#g" \
      -e "s#/usr/local/share/doc/pumpgw#$prefix/share/doc/pumpgw#g" \
      -e "s#\${CONFIGURATION_DIRECTORY}#$configdir#g" \
      deploy/pumpgw.service | $SUDO tee "$unitdir/pumpgw.service" >/dev/null
  write_serial_dropin
  if [ "$unitdir" != /etc/systemd/system ]; then
    echo "installed the unit as $unitdir/pumpgw.service"
  elif [ -d /run/systemd/system ]; then
    $SUDO systemctl daemon-reload
    echo "start with: systemctl enable --now pumpgw; logs: journalctl -u pumpgw -f"
  else
    echo "systemd is not running here: the unit is installed but not loaded"
  fi
fi
write_udev_rules
