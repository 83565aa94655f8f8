# The serial parts of deploy/install.sh (sourced by it, not run alone):
# the systemd drop-in that lets the confined unit open the config's serial
# ports, and udev rules that give USB adapters stable names.
# Uses install.sh's variables: prefix, config, unitdir, udevdir, udevnames,
# usbserials, sysfs, SUDO.

# $unitdir/pumpgw.service.d/serial.conf from the buses of the installed config
# (`pumpgw check --serial-ports`: the gateway reads its own JSON5); removed
# when the config has no buses; left alone when the config has problems.
write_serial_dropin() {
  local dropdir="$unitdir/pumpgw.service.d" ports port
  if ! ports=$("$prefix/bin/pumpgw" check --serial-ports "$config" 2>/dev/null); then
    echo "the config has problems: $dropdir/serial.conf is left as it was"
    return 0
  fi
  if [ -z "$ports" ]; then
    if [ -e "$dropdir/serial.conf" ]; then
      $SUDO rm -f "$dropdir/serial.conf"
      echo "removed $dropdir/serial.conf: the config has no buses"
    fi
    return 0
  fi
  $SUDO install -d -m 0755 "$dropdir"
  {
    cat <<HEAD
# Written by deploy/install.sh from the buses of $config
# (pumpgw check --serial-ports); rewritten by \`deploy/install.sh --serial-only\`
# after the buses change. The gateway opens these serial ports for its RS-485
# buses, and no other device.
[Service]
# PrivateDevices=yes gives the service a /dev with only null, zero, random and
# the like: no tty at all, so a serial port cannot be opened. It has to go;
# DevicePolicy=closed (in the unit) with the DeviceAllow lines below still
# admits only the ports named here.
PrivateDevices=no
# Serial ports belong to the group dialout (mode 0660) on Debian.
SupplementaryGroups=dialout
# With PrivateUsers=yes the dialout group is not mapped into the service's
# user namespace, and the port would not open: it has to go too.
PrivateUsers=no
# systemd finds each port's device number (through a udev link too) when the
# service starts. An adapter that is unplugged and comes back under another
# ttyUSB number needs \`systemctl restart pumpgw\` before it can be opened.
HEAD
    while IFS= read -r port; do echo "DeviceAllow=$port rw"; done <<<"$ports"
  } | $SUDO tee "$dropdir/serial.conf" >/dev/null
  echo "wrote $dropdir/serial.conf: the service may open $(echo $ports)"
}

# One rule per --udev-name/--usb-serial pair in $udevdir/99-pumpgw-serial.rules
# (a rule for the same name is replaced), then udev reloaded when it runs here.
write_udev_rules() {
  [ "${#udevnames[@]}" -gt 0 ] || return 0
  local rules="$udevdir/99-pumpgw-serial.rules" index name serial kept
  kept=$(grep -v '^#' "$rules" 2>/dev/null || true)
  for index in "${!udevnames[@]}"; do
    name="${udevnames[$index]}"; serial="${usbserials[$index]}"
    if ! [[ "$name" =~ ^[A-Za-z0-9._-]+$ && "$serial" =~ ^[A-Za-z0-9._:-]+$ ]]; then
      echo "install.sh: --udev-name '$name' / --usb-serial '$serial': letters, digits, '.', '_', '-' (and ':' in a serial) only" >&2
      exit 2
    fi
    kept=$(grep -v "SYMLINK+=\"$name\"" <<<"$kept" || true)
    kept+=$'\n'"SUBSYSTEM==\"tty\", ATTRS{serial}==\"$serial\", SYMLINK+=\"$name\", GROUP=\"dialout\", MODE=\"0660\""
  done
  $SUDO install -d -m 0755 "$udevdir"
  {
    echo "# Written by deploy/install.sh: USB serial adapters named by their serial"
    echo "# number, so that a bus's port (/dev/NAME) survives a reboot and a replug."
    grep -v '^$' <<<"$kept"
  } | $SUDO tee "$rules" >/dev/null
  echo "wrote $rules: $(for name in "${udevnames[@]}"; do printf '/dev/%s ' "$name"; done)"
  if [ "$udevdir" = /etc/udev/rules.d ] && command -v udevadm >/dev/null && [ -d /run/udev ]; then
    $SUDO udevadm control --reload && $SUDO udevadm trigger --subsystem-match=tty
  fi
}

# The USB serial adapters under $sysfs (ttyUSB*, ttyACM*), each with its
# serial number and the command that names it.
list_usb_serial() {
  local tty device dir found=no serial
  for tty in "$sysfs"/class/tty/ttyUSB* "$sysfs"/class/tty/ttyACM*; do
    [ -e "$tty/device" ] || continue
    device=$(readlink -f "$tty/device")
    # The serial number is on the USB device, a level or two above the tty's interface.
    dir="$device"; serial=""
    while [ "${#dir}" -gt "${#sysfs}" ]; do
      if [ -r "$dir/serial" ]; then serial=$(cat "$dir/serial"); break; fi
      dir=$(dirname "$dir")
    done
    found=yes
    if [ -z "$serial" ]; then
      echo "$(basename "$tty"): no serial number (name it by its USB port path instead: udevadm info -q property -n /dev/$(basename "$tty") | grep ID_PATH)"
      continue
    fi
    local vendor product
    vendor=$(cat "$dir/idVendor" 2>/dev/null || echo "?"); product=$(cat "$dir/product" 2>/dev/null || echo "")
    echo "$(basename "$tty"): serial $serial (USB $vendor:$(cat "$dir/idProduct" 2>/dev/null || echo "?")${product:+, $product})"
    echo "  deploy/install.sh --serial-only --udev-name rs485-N --usb-serial $serial"
  done
  [ "$found" = yes ] || echo "no USB serial adapter (ttyUSB*, ttyACM*) under $sysfs/class/tty"
}
