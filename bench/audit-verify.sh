#!/usr/bin/env bash
# How fast the tamper-evident log verifies offline: a log of BENCH_ENTRIES
# entries built in memory with dsg-audit (no gateway, no HTTP), every leaf
# recomputed, the tree rebuilt and every checkpoint checked, against plain
# SHA-256 over the same bytes in the same run. See bench/README.md.
#
# Env:
#   BENCH_ENTRIES          log size (default 1000000)
#   BENCH_CHECKPOINT_EVERY entries per signed checkpoint (default 1000)
#   BENCH_STRICT=1         exit 3 when the target below is missed
#   CARGO_TARGET_DIR       where cargo builds (default: <repo>/target)
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
ENTRIES="${BENCH_ENTRIES:-1000000}"
EVERY="${BENCH_CHECKPOINT_EVERY:-1000}"
# Seconds allowed per million entries.
TARGET_SECONDS_PER_MILLION=5

for v in "$ENTRIES" "$EVERY"; do
  case "$v" in '' | *[!0-9]* | 0) echo "bench: sizes must be positive integers" >&2; exit 2 ;; esac
done

cd "$REPO_DIR"
echo "bench: building the benchmark (release)" >&2
cargo build --release -q -p dsg-audit --example verify_bench
BIN="${CARGO_TARGET_DIR:-$REPO_DIR/target}/release/examples/verify_bench"

mkdir -p "$BENCH_DIR/out"
OUT="$BENCH_DIR/out/audit-verify-$(date -u +%Y%m%dT%H%M%SZ)-${ENTRIES}.txt"
{
  echo "dsg audit-verify benchmark, $(date -u +%FT%TZ), $(uname -srm), $(nproc) CPUs"
  "$BIN" "$ENTRIES" "$EVERY"
} | tee "$OUT"

total="$(awk '/^total/ {print $2}' "$OUT")"
limit="$(awk -v n="$ENTRIES" -v t="$TARGET_SECONDS_PER_MILLION" 'BEGIN {print n / 1000000 * t}')"
if awk -v a="$total" -v b="$limit" 'BEGIN {exit !(a < b)}'; then
  echo "target met: ${total} s < ${limit} s" | tee -a "$OUT"
else
  echo "target MISSED: ${total} s >= ${limit} s" | tee -a "$OUT"
  [ "${BENCH_STRICT:-}" = "1" ] && exit 3
fi
exit 0
