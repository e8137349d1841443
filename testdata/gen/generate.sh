#!/usr/bin/env bash
# Regenerates testdata/vectors.json from the seeds' code samples in every
# available language. Pass --check to verify the file instead of writing it.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec python3 -B testdata/gen/generate.py "$@"
