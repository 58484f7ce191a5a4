#!/usr/bin/env bash
# Installs the Debian packages the tests need, and says what and why:
#   socat           kernel pseudo-terminal pairs for serial integration tests
#   libusb-1.0-0    loaded by node-hid's prebuilt binding
#   udev            udevadm, which serialport's list() calls
#   chromium        the browser the end-to-end tests drive (Playwright cannot download one here)
#   fonts-noto-cjk  Chinese glyphs for the browser and screenshots
#   sane-utils      saned, the SANE network scanner daemon (scanner tests)
#   mosquitto       MQTT broker (telemetry tests)
#   espeak-ng       the embedded text-to-speech engine (voice guidance; Mandarin with -v cmn-latn-pinyin, see README)
#   faketime        clock-skew tests (the kiosk's clock off from the platform's)
#   zbar-tools      zbarimg, an independent QR decoder for receipts and screenshots
#   poppler-utils   pdftoppm, an independent PDF renderer for the scanned-document PDFs
#   passwd          groupadd/groupdel: the control-socket test makes a throwaway technician group (as root)
#   util-linux      setpriv: the same test runs a client as a second uid outside / inside that group
# Usage: bash scripts/install-system-deps.sh [--check]   (--check only lists what is missing)
set -euo pipefail

PACKAGES=(socat libusb-1.0-0 udev chromium fonts-noto-cjk sane-utils mosquitto espeak-ng faketime zbar-tools poppler-utils passwd util-linux)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ "${1:-}" = "--check" ]; then
  if [ ${#missing[@]} -eq 0 ]; then echo "system packages: all present"; else echo "system packages missing: ${missing[*]}"; fi
  [ ${#missing[@]} -eq 0 ]
  exit
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${PACKAGES[*]})"
  exit 0
fi

echo "system packages: installing ${missing[*]} (apt-get)"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system packages: installed ${missing[*]}"
