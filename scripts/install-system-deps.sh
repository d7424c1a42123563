#!/usr/bin/env bash
# Check (and, as root, install) the Debian/Ubuntu packages Kasane needs.
#
#   scripts/install-system-deps.sh run    python3-venv, Pango (WeasyPrint), Noto CJK fonts
#   scripts/install-system-deps.sh test   the same plus Chromium for the browser tests
#
# As root the missing packages are installed with apt-get. As any other user the
# exact `sudo apt-get install -y ...` line is printed and the script exits 1.
# KASANE_SKIP_SYSTEM_DEPS=1 skips the check (for machines you manage yourself).
set -euo pipefail

usage() {
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
}

profile="${1:-run}"
case "$profile" in
    run | test) ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
esac

if [ "${KASANE_SKIP_SYSTEM_DEPS:-}" = "1" ]; then
    echo "system packages: check skipped (KASANE_SKIP_SYSTEM_DEPS=1)"
    exit 0
fi

PYTHON="${PYTHON:-python3}"
here="$(cd "$(dirname "$0")/.." && pwd)"
os_id="$( (. /etc/os-release 2>/dev/null && echo "${ID:-}") || true)"

if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "error: '$PYTHON' not found. Install Python 3.11 or newer (Debian/Ubuntu: apt-get install python3 python3-venv)." >&2
    exit 1
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
    cat >&2 <<MSG
warning: not a Debian/Ubuntu system, system packages not checked. Kasane needs:
  - Python 3.11+ with the venv module
  - Pango >= 1.44 (for WeasyPrint) and a Japanese font (Noto Sans CJK JP)
  - Chromium for 'make test' (set CHROMIUM_PATH to its executable)
MSG
    exit 0
fi

installed() {
    dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q 'ok installed'
}

wanted=()
# The uv bootstrap (.tools) needs a working `python3 -m venv`; on Debian/Ubuntu
# the system Python gets ensurepip from python3-venv.
if [ ! -x "$here/.tools/bin/uv" ] && ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    wanted+=(python3-venv)
fi
wanted+=(libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk)

chromium_hint=""
if [ "$profile" = "test" ]; then
    if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "${CHROMIUM_PATH}" ]; then
        : # an explicit browser was given; do not require Debian's package
    elif [ "$os_id" = "ubuntu" ] && ! installed chromium; then
        if ! command -v chromium >/dev/null 2>&1; then
            chromium_hint="Ubuntu ships Chromium only as a snap: sudo snap install chromium
  (then make sure 'chromium' is on PATH, or set CHROMIUM_PATH=/snap/bin/chromium)"
        fi
    else
        wanted+=(chromium)
    fi
fi

missing=()
for pkg in "${wanted[@]}"; do
    installed "$pkg" || missing+=("$pkg")
done

if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then
        echo "system packages: installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update
        apt-get install -y "${missing[@]}"
    else
        echo "Missing system packages: ${missing[*]}" >&2
        echo "Install them with:" >&2
        echo >&2
        echo "    sudo apt-get install -y ${missing[*]}" >&2
        echo >&2
        [ -n "$chromium_hint" ] && echo "and: $chromium_hint" >&2
        exit 1
    fi
fi

if [ -n "$chromium_hint" ]; then
    echo "Chromium not found. $chromium_hint" >&2
    exit 1
fi

echo "system packages ($profile): OK"
