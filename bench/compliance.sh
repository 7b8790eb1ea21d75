#!/usr/bin/env bash
# The agency's compliance table (every company × the whole requirement
# catalogue) on SQLite with realistic records: 1,000 companies by default,
# each with its people, passkeys, contracts, handlers, roster lines,
# trainings, files, disposals, attestations, written consents and role
# designations. Prints the number of records, the median time of the whole
# catalogue and of an empty catalogue (the facts gathered, nothing
# evaluated) in the same run, and their ratio. See bench/README.md.
#
# Env:
#   BENCH_COMPANIES                 companies (default 1000)
#   BENCH_USERS_PER_COMPANY         people per company (default 10)
#   BENCH_HANDLERS_PER_COMPANY      designated handlers (default 4)
#   BENCH_ATTESTATIONS_PER_COMPANY  attestations (default 10)
#   BENCH_ROUNDS                    timed rounds (default 5)
#   BENCH_STRICT=1                  exit 3 when the 1 s target is missed
#   CARGO_TARGET_DIR, TMPDIR        as for cargo and the temp database
set -euo pipefail
REPO_DIR="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO_DIR"
exec cargo bench -p dsg-bench --bench compliance
