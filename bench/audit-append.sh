#!/usr/bin/env bash
# Durable audit appends per second with group commit (Store::record) under
# BENCH_WRITERS concurrent writers, against one transaction per append in the
# same run, on SQLite with WAL and synchronous = FULL. See bench/README.md.
#
# Env:
#   BENCH_WRITERS    concurrent writers (default 64)
#   BENCH_SECONDS    seconds per run (default 5)
#   BENCH_DIR        where the temp databases go (default: TMPDIR or /tmp);
#                    put it on the disk to measure: on tmpfs fsync is free
#   BENCH_STRICT=1   exit 3 when the target below is missed
#   CARGO_TARGET_DIR where cargo builds (default: <repo>/target)
set -euo pipefail

BENCH_DIR_SELF="$(cd "$(dirname "$0")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR_SELF/.." && pwd)"
WRITERS="${BENCH_WRITERS:-64}"
SECONDS_PER_RUN="${BENCH_SECONDS:-5}"
DB_DIR="${BENCH_DIR:-${TMPDIR:-/tmp}}"
# Durable appends per second with group commit.
TARGET_APPENDS_PER_SECOND=10000

for v in "$WRITERS" "$SECONDS_PER_RUN"; do
  case "$v" in '' | *[!0-9]* | 0) echo "bench: BENCH_WRITERS and BENCH_SECONDS must be positive integers" >&2; exit 2 ;; esac
done

cd "$REPO_DIR"
echo "bench: building the benchmark (release)" >&2
cargo build --release -q -p dsg-store --example append_bench
TARGET_DIR="${CARGO_TARGET_DIR:-$REPO_DIR/target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$REPO_DIR/$TARGET_DIR" ;; esac
BIN="$TARGET_DIR/release/examples/append_bench"

mkdir -p "$BENCH_DIR_SELF/out"
OUT="$BENCH_DIR_SELF/out/audit-append-$(date -u +%Y%m%dT%H%M%SZ)-${WRITERS}w.txt"
{
  echo "dsg audit append benchmark, $(date -u +%FT%TZ), $(uname -srm), $(nproc) CPUs"
  echo "filesystem: $(df -PT "$DB_DIR" | awk 'NR == 2 {print $2 " on " $1}')"
  "$BIN" "$WRITERS" "$SECONDS_PER_RUN" "$DB_DIR"
} | tee "$OUT"

rate="$(awk '/^durable appends\/s:/ {print $3}' "$OUT")"
if awk -v a="$rate" -v b="$TARGET_APPENDS_PER_SECOND" 'BEGIN {exit !(a >= b)}'; then
  echo "target met: ${rate} appends/s >= ${TARGET_APPENDS_PER_SECOND}" | tee -a "$OUT"
else
  echo "target MISSED: ${rate} appends/s < ${TARGET_APPENDS_PER_SECOND}" | tee -a "$OUT"
  [ "${BENCH_STRICT:-}" = "1" ] && exit 3
fi
exit 0
