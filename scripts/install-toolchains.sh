#!/usr/bin/env bash
# Installs the language toolchains that the cross-language vectors run
# (testdata/gen/generate.sh: Python, Node, Java, Go, Ruby, PHP) when one is
# missing. Idempotent and quiet: with every toolchain on PATH it does
# nothing. Go is the toolchain running this; Python, Node and Java come with
# the machine; Ruby and PHP are Debian's ruby and php-cli. It installs only as
# root with apt-get; otherwise it says what to run, and the vector test fails
# under HMACGATE_REQUIRE_SERVICES=1 or HMACGATE_REQUIRE_TOOLCHAINS=1 (and
# skips without them).
set -euo pipefail

# command on PATH -> Debian package that provides it
declare -A pkg=([python3]=python3 [node]=nodejs [java]=default-jdk-headless [ruby]=ruby [php]=php-cli)
missing=()
for cmd in python3 node java ruby php; do
	command -v "$cmd" >/dev/null 2>&1 || missing+=("${pkg[$cmd]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-toolchains: missing ${missing[*]} and not root; run: sudo apt-get install ${missing[*]}" >&2
	exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-toolchains: missing ${missing[*]} and no apt-get; install them and put them on PATH" >&2
	exit 0
fi

echo "install-toolchains: installing Debian's ${missing[*]} for the cross-language vectors…"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
	cat "$log" >&2
	echo "install-toolchains: apt-get failed" >&2
	exit 1
fi
for cmd in ruby php; do
	command -v "$cmd" >/dev/null 2>&1 && echo "install-toolchains: $("$cmd" --version 2>/dev/null | head -n 1)"
done
exit 0
