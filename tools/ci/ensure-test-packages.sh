#!/usr/bin/env bash
# Installs the Debian packages some tests use, when they are missing (never for ReproML itself):
# - chromium: the tracking report's end-to-end test opens the report in it (headless, through
#   playwright-core with executablePath /usr/bin/chromium). Playwright's own browser download is
#   never used (it needs a host other than the registries).
# - python3-onnx: the strict ONNX checker, an independent cross-check of the graphs ReproML builds.
# - postgresql: the server binaries (initdb, pg_ctl, postgres) behind the run store's PostgreSQL
#   tests; test/support/postgres-server.ts starts a throw-away cluster in a temp folder per test
#   run (the cluster the package may create and start itself is not used).
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
/usr/bin/python3 -c 'import onnx' >/dev/null 2>&1 || missing+=(python3-onnx)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-test-packages: missing ${missing[*]} and apt-get is not available; the tests that need them will say so" >&2
  exit 1
fi
SUDO=""
# Never prompt: without root, only a password-less sudo can install.
if [ "$(id -u)" != "0" ]; then SUDO="sudo -n"; fi
echo "ensure-test-packages: installing ${missing[*]} with apt-get"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
