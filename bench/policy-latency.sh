#!/usr/bin/env bash
# Latency of the policy decision point (Cedar) on a populated store: 100k
# users, 10k contracts with their compartments and 50k terminals in SQLite
# (or, with --postgres, in a throwaway PostgreSQL cluster).
# Prints p50 / p99 / p99.9 of the decision alone (request already built),
# of the whole per-request policy point (the server's store lookups, then
# the decision) for random users and terminals, before and through the
# facts cache, and of one primary-key SELECT on the same store as the
# baseline, with the ratios. See bench/README.md.
#
# Usage: bench/policy-latency.sh [--criterion] [--postgres]
#   --criterion           also run the criterion benchmark
#                         (cargo bench -p dsg-bench --bench policy)
#   --postgres            populate a throwaway PostgreSQL cluster (initdb
#                         and pg_ctl from DSG_PG_BINDIR or
#                         /usr/lib/postgresql/*/bin) instead of SQLite
#
# Env:
#   BENCH_DECIDE_ITERS    timed decisions per case (default 100000)
#   BENCH_FACTS_ITERS     timed facts+decide and baseline calls (default 20000)
#   BENCH_USERS, BENCH_CONTRACTS, BENCH_TERMINALS, BENCH_CONTRACTORS
#                         store size (default 100000, 10000, 50000, 1000)
#   BENCH_STRICT=1        exit 3 when the target below is missed
#   CARGO_TARGET_DIR      where cargo builds (default: <repo>/target)
#   TMPDIR                where the temp database goes
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
CRITERION=0
POSTGRES=0
for arg in "$@"; do
  case "$arg" in
    --criterion) CRITERION=1 ;;
    --postgres) POSTGRES=1 ;;
    -h | --help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "bench: unknown argument: $arg" >&2; exit 2 ;;
  esac
done
for name in BENCH_DECIDE_ITERS BENCH_FACTS_ITERS BENCH_USERS BENCH_CONTRACTS BENCH_TERMINALS BENCH_CONTRACTORS; do
  v="${!name:-1}"
  case "$v" in '' | *[!0-9]* | 0) echo "bench: $name must be a positive integer" >&2; exit 2 ;; esac
done

cd "$REPO_DIR"
echo "bench: building the benchmark (release)" >&2
cargo bench -q -p dsg-bench --bench policy_latency --no-run

if [ "$POSTGRES" = "1" ]; then
  PG_BIN="${DSG_PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
  [ -x "$PG_BIN/initdb" ] || { echo "bench: no PostgreSQL server binaries (set DSG_PG_BINDIR)" >&2; exit 2; }
  PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/dsg-bench-pg.XXXXXX")"
  PG_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  AS=()
  if [ "$(id -u)" = "0" ]; then
    chown postgres "$PG_DIR"
    AS=(runuser -u postgres --)
  fi
  pg_stop() { "${AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true; rm -rf "$PG_DIR"; }
  trap pg_stop EXIT
  "${AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
  "${AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1" start >/dev/null
  export BENCH_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
fi

mkdir -p "$BENCH_DIR/out"
OUT="$BENCH_DIR/out/policy-latency-$(date -u +%Y%m%dT%H%M%SZ).txt"
{
  echo "dsg policy decision latency benchmark, $(date -u +%FT%TZ), $(uname -srm), $(nproc) CPUs"
  cargo bench -q -p dsg-bench --bench policy_latency
} | tee "$OUT"

if [ "$CRITERION" = "1" ]; then
  echo "bench: criterion (decide, facts+decide, baseline)" >&2
  cargo bench -q -p dsg-bench --bench policy 2>&1 | tee -a "$OUT"
fi

if grep -q '^target met: yes' "$OUT"; then
  exit 0
fi
echo "target MISSED: decide p99 >= 50 µs" | tee -a "$OUT"
[ "${BENCH_STRICT:-}" = "1" ] && exit 3
exit 0
