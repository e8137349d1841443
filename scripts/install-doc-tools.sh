#!/usr/bin/env bash
# Installs the tools the documentation's shell examples use (curl, jq), so
# that TestDocExamples can run them as a reader would. Idempotent and quiet:
# with both on PATH it does nothing. It installs only as root (Debian's
# packages); otherwise it says what to run, and the test skips (or fails
# under HMACGATE_REQUIRE_SERVICES=1).
set -euo pipefail

missing=()
for tool in curl jq; do
	command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "install-doc-tools: missing ${missing[*]}; run: sudo apt-get install ${missing[*]}" >&2
	exit 0
fi
echo "install-doc-tools: installing ${missing[*]} for the documentation's examples…"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; } >"$log" 2>&1; then
	cat "$log" >&2
	echo "install-doc-tools: apt-get failed" >&2
	exit 1
fi
