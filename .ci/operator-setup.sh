#!/usr/bin/env bash
# Installs what the operator-surface tests drive (OperatorSurfaceIT): Debian's prometheus (a real server scraping
# the monitor's /metrics) and chromium + chromium-driver (Selenium loading the dashboard headless). Never fails:
# without them those tests skip, saying why.
set -uo pipefail
missing=()
for tool in /usr/bin/prometheus /usr/bin/chromium /usr/bin/chromedriver; do
  [[ -x "$tool" ]] || missing+=("$tool")
done
if (( ${#missing[@]} == 0 )); then
  exit 0
fi
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
  echo "operator-setup: cannot install ${missing[*]} (not root or no apt-get); those tests will skip" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus chromium chromium-driver; } \
    >/tmp/trainwatch-operator-setup.log 2>&1; then
  echo "operator-setup: apt-get failed (see /tmp/trainwatch-operator-setup.log); those tests will skip" >&2
fi
exit 0
