#!/usr/bin/env bash
# Installs the browser the console's browser tests drive (Debian's chromium)
# when it is missing. Idempotent and quiet: with a browser on PATH it does
# nothing. It installs only as root; otherwise it says what to run, and the
# tests skip (or fail under HMACGATE_REQUIRE_BROWSER=1).
set -euo pipefail

for b in chromium chromium-browser google-chrome google-chrome-stable headless-shell; do
	if command -v "$b" >/dev/null 2>&1; then
		exit 0
	fi
done
if [ -n "${HMACGATE_CHROMIUM:-}" ] && [ -x "${HMACGATE_CHROMIUM}" ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-chromium: no Chromium found and not root; run: sudo apt-get install chromium" >&2
	exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-chromium: no Chromium found and no apt-get; install Chromium and put it on PATH (or set HMACGATE_CHROMIUM)" >&2
	exit 0
fi

echo "install-chromium: installing Debian's chromium for the browser tests…"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { apt-get update -qq && apt-get install -y -qq chromium; } >"$log" 2>&1; then
	cat "$log" >&2
	echo "install-chromium: apt-get failed" >&2
	exit 1
fi
echo "install-chromium: $(chromium --version 2>/dev/null || echo installed)"
