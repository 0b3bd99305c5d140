# Sourced by bin/demo, bin/test and bin/lint: find Python 3.12+, get uv, install the locked
# dependencies into .venv. Fails loudly at the first problem.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

UV_VERSION="0.13.9"

die() { echo "error: $*" >&2; exit 1; }

find_python() {
  local candidate
  for candidate in python3.13 python3.12 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

ensure_uv() {
  if command -v uv >/dev/null 2>&1; then
    UV=$(command -v uv)
    return
  fi
  if [ ! -x .tools/bin/uv ]; then
    local python
    python=$(find_python) || die "Python 3.12 or newer is required (python3.12 not found)."
    echo "Installing uv ${UV_VERSION} into .tools/ ..."
    "$python" -m venv .tools
    .tools/bin/pip install --quiet --disable-pip-version-check "uv==${UV_VERSION}"
  fi
  UV="$PWD/.tools/bin/uv"
}

ensure_dependencies() {
  ensure_uv
  "$UV" sync --frozen --quiet
}

# Install a Debian package when the program the tests need is missing (CI starts fresh).
ensure_debian_program() {
  local program="$1" package="$2" why="$3"
  if command -v "$program" >/dev/null 2>&1; then
    return
  fi
  echo "Installing Debian's ${package} ${why} ..."
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "${package} is missing and cannot be installed without root."
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$package" >/dev/null
  command -v "$program" >/dev/null 2>&1 || die "${package} did not install."
}

ensure_chromium() {
  ensure_debian_program chromium chromium "for the browser tests"
}

# pysaml2, the SAML identity provider of the tests, signs and verifies with the xmlsec1 program.
ensure_xmlsec1() {
  ensure_debian_program xmlsec1 xmlsec1 "for the SAML tests"
}

ensure_dependencies
