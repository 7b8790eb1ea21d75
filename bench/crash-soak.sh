#!/usr/bin/env bash
# Crash soak: the crash-safety integration test (SIGKILL the gateway at
# random moments under concurrent writes, restart, check that the log
# verifies and that every request answered with success has its entry),
# with many more trials than CI runs. Not run in CI. See bench/README.md.
#
# Env:
#   SOAK_TRIALS        trials to run (default 1000)
#   SOAK_BUDGET_SECS   time budget in seconds (default 7200); the run stops
#                      early when it is used up and then needs at least
#                      SOAK_MIN_TRIALS trials
#   SOAK_MIN_TRIALS    default SOAK_TRIALS / 2
#   DSG_CRASH_SEED     seed of the random choices (default: from the clock;
#                      the test prints it)
#   SOAK_PROFILE       cargo profile option, default --release (faster
#                      restarts, more trials per hour); "" for a debug build
#   CARGO_TARGET_DIR   where cargo builds (default: <repo>/target)
set -euo pipefail

REPO_DIR="$(cd "$(dirname "$0")/.." && pwd)"
TRIALS="${SOAK_TRIALS:-1000}"
BUDGET="${SOAK_BUDGET_SECS:-7200}"
MIN_TRIALS="${SOAK_MIN_TRIALS:-$((TRIALS / 2))}"
PROFILE="${SOAK_PROFILE---release}"

for v in "$TRIALS" "$BUDGET" "$MIN_TRIALS"; do
  case "$v" in '' | *[!0-9]*) echo "soak: SOAK_* must be non-negative integers" >&2; exit 2 ;; esac
done

cd "$REPO_DIR"
mkdir -p bench/out
OUT="bench/out/crash-soak-$(date -u +%Y%m%dT%H%M%SZ)-${TRIALS}.txt"
echo "soak: $TRIALS trials, budget ${BUDGET}s, at least $MIN_TRIALS; log in $OUT" >&2
# shellcheck disable=SC2086 # PROFILE is an option or nothing
DSG_CRASH_TRIALS="$TRIALS" DSG_CRASH_MIN_TRIALS="$MIN_TRIALS" DSG_CRASH_BUDGET_SECS="$BUDGET" \
  cargo test $PROFILE -p dsg-cli --test integration -- \
  crash::answered_requests_survive_sigkill_and_the_log_verifies --exact --nocapture 2>&1 | tee "$OUT"
