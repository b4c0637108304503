#!/usr/bin/env bash
# The runner's full detection matrix: every case against the reference
# server with every bug injected, on one framing per strategy. Writes
# reports/detection-matrix.md; exits non-zero if any bug goes undetected or
# the correct server fails. Takes a minute or two.
set -euo pipefail
cd "$(dirname "$0")/.."
FRAMECHECK_MATRIX_OUT="$PWD/reports/detection-matrix.md" \
    cargo test -p framecheck-runner --test detection --locked -- --ignored detection_matrix
printf '\nGenerated %s on a %s-core machine.\n' "$(date -u +%F)" "$(nproc)" >> reports/detection-matrix.md
echo "wrote reports/detection-matrix.md"
