#!/usr/bin/env bash
# Regenerates testdata/vectors.json from the seeds' code samples in every
# language generate.py lists (all required). Pass --check to verify the file
# instead of writing it, --list to print the languages.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec python3 -B testdata/gen/generate.py "$@"
