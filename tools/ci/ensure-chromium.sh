#!/usr/bin/env bash
# Installs Debian's chromium when it is missing: the tracking report's end-to-end test opens
# the report in it (headless, through playwright-core with executablePath /usr/bin/chromium).
# Playwright's own browser download is never used (it needs a host other than the registries).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: /usr/bin/chromium is missing and apt-get is not available; install Chromium at /usr/bin/chromium" >&2
  exit 1
fi
SUDO=""
# Never prompt: without root, only a password-less sudo can install.
if [ "$(id -u)" != "0" ]; then SUDO="sudo -n"; fi
echo "ensure-chromium: installing chromium with apt-get"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version
