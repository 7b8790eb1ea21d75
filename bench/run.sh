#!/usr/bin/env bash
# Upload/download throughput of dsg against dufs (a plain file server) and
# plain `cp`, on this machine, with one file of BENCH_SIZE_MIB MiB.
# See bench/README.md.
#
# Env:
#   BENCH_SIZE_MIB   size of the test file in MiB (default 1024)
#   BENCH_CURL_HTTP  curl's protocol option for the dsg side (default
#                    --http1.1, the protocol dufs speaks, so both sides are
#                    compared on the same protocol; --http2 measures HTTP/2)
#   BENCH_STRICT=1   exit 3 when a target is missed
#   DSG_BIN          use this dsg binary instead of building the release one
#   CARGO_TARGET_DIR where cargo builds (default: <repo>/target)
#   TMPDIR           where the temp dir goes (needs ~3x the file size free)
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
SIZE_MIB="${BENCH_SIZE_MIB:-1024}"
CURL_HTTP="${BENCH_CURL_HTTP:---http1.1}"
TARGET_UPLOAD_RATIO=0.7
TARGET_DOWNLOAD_RATIO=0.7
TARGET_RSS_MIB=128

case "$SIZE_MIB" in '' | *[!0-9]* | 0) echo "BENCH_SIZE_MIB must be a positive integer" >&2; exit 2 ;; esac

log() { echo "bench: $*" >&2; }

for tool in curl python3 sha256sum awk; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is needed" >&2; exit 2; }
done

# ---- tools -----------------------------------------------------------------
if ! command -v dufs >/dev/null; then
  log "installing dufs (cargo install dufs --locked; compiles for a few minutes)"
  cargo install dufs --locked >&2
  export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
fi
if [ -z "${DSG_BIN:-}" ]; then
  log "building the release gateway"
  (cd "$REPO_DIR" && cargo build --release -p dsg-cli >&2)
  TARGET_DIR="${CARGO_TARGET_DIR:-$REPO_DIR/target}"
  case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$REPO_DIR/$TARGET_DIR" ;; esac
  DSG_BIN="$TARGET_DIR/release/dsg"
fi
[ -x "$DSG_BIN" ] || { echo "bench: no dsg binary at $DSG_BIN" >&2; exit 2; }
DSG_BIN="$(cd "$(dirname "$DSG_BIN")" && pwd)/$(basename "$DSG_BIN")"

# ---- temp dir and cleanup ----------------------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/dsg-bench.XXXXXX")"
OUT_DIR="$BENCH_DIR/out"
mkdir -p "$OUT_DIR" "$WORK/dsg" "$WORK/dufs-root"
DSG_PID=""
DUFS_PID=""
cleanup() {
  for pid in "$DSG_PID" "$DUFS_PID"; do
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
# seconds MiB/s for an elapsed time
rate() { awk -v s="$1" -v m="$SIZE_MIB" 'BEGIN { if (s <= 0) s = 1e-9; printf "%.3f %.1f", s, m / s }'; }
json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {"d": d}))' "$1"; }
rss_mib() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ---- the test file -------------------------------------------------------------
SRC="$WORK/src.bin"
log "writing $SIZE_MIB MiB of random data"
head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom >"$SRC"
SRC_SHA="$(sha256sum "$SRC" | cut -d' ' -f1)"
sync

# ---- baseline: cp ----------------------------------------------------------------
t0=$(now); cp "$SRC" "$WORK/cp.bin"; t1=$(now)
read -r CP_S CP_R <<<"$(rate "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')")"
rm -f "$WORK/cp.bin"; sync

# ---- dsg -----------------------------------------------------------------------
log "starting dsg serve --demo"
(cd "$WORK/dsg" && exec "$DSG_BIN" serve --demo --listen 127.0.0.1:0 >"$WORK/dsg.out" 2>"$OUT_DIR/dsg-server.log") &
DSG_PID=$!
for _ in $(seq 600); do
  grep -q 'listening on' "$WORK/dsg.out" 2>/dev/null && break
  kill -0 "$DSG_PID" 2>/dev/null || { cat "$OUT_DIR/dsg-server.log" >&2; echo "bench: dsg exited" >&2; exit 1; }
  sleep 0.1
done
grep -q 'listening on' "$WORK/dsg.out" || { echo "bench: dsg did not start" >&2; exit 1; }
DSG_URL="$(sed -n 's#.*listening on \(https://[^/ ]*\).*#\1#p' "$WORK/dsg.out" | head -1)"
CA="$WORK/dsg/$(sed -n 's#^trust the gateway CA: ##p' "$WORK/dsg.out" | head -1)"
PW="$(awk '$3 == "tanaka@minato" && $4 == "password:" { print $5 }' "$WORK/dsg.out")"
[ -n "$PW" ] || { echo "bench: no password for tanaka@minato in the demo output" >&2; exit 1; }

DCURL=(curl -sS --fail-with-body --cacert "$CA" -b "$WORK/jar" -c "$WORK/jar")
[ -n "$CURL_HTTP" ] && DCURL+=("$CURL_HTTP")
LOGIN_BODY="$(python3 -c 'import json,sys; print(json.dumps({"username": "tanaka@minato", "password": sys.argv[1]}))' "$PW")"
CSRF="$("${DCURL[@]}" -H 'Content-Type: application/json' --data-binary "$LOGIN_BODY" "$DSG_URL/api/v1/session" | json 'd["csrf_token"]')"
CID="$("${DCURL[@]}" "$DSG_URL/api/v1/compartments" |
  json '[c["compartment"]["id"] for c in d["compartments"] if c["contract"]["number"] == "A-001"][0]')"

DSG_RSS_IDLE="$(rss_mib "$DSG_PID")"

log "dsg upload"
sync
t0=$(now)
"${DCURL[@]}" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/octet-stream' \
  -T "$SRC" -X POST -o "$WORK/dsg-upload.json" -w '%{http_version}\n' \
  "$DSG_URL/api/v1/compartments/$CID/files?name=bench.bin" >"$WORK/dsg-proto"
t1=$(now)
read -r DU_S DU_R <<<"$(rate "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')")"
DSG_PROTO="HTTP/$(cat "$WORK/dsg-proto")"
FID="$(json 'd["file"]["id"]' <"$WORK/dsg-upload.json")"

log "dsg download"
sync
t0=$(now)
"${DCURL[@]}" -o "$WORK/dsg-down.bin" "$DSG_URL/api/v1/compartments/$CID/files/$FID/content"
t1=$(now)
read -r DD_S DD_R <<<"$(rate "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')")"
DSG_RSS="$(rss_mib "$DSG_PID")"
DSG_SHA="$(sha256sum "$WORK/dsg-down.bin" | cut -d' ' -f1)"
rm -f "$WORK/dsg-down.bin"
kill -TERM "$DSG_PID"; wait "$DSG_PID" 2>/dev/null || true; DSG_PID=""
rm -rf "$WORK/dsg"; sync

# ---- dufs (plain HTTP, no encryption, no auth) -----------------------------------
PORT="$(free_port)"
log "starting dufs on port $PORT"
dufs -A -b 127.0.0.1 -p "$PORT" "$WORK/dufs-root" >"$OUT_DIR/dufs.log" 2>&1 &
DUFS_PID=$!
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break
  sleep 0.1
done
UCURL=(curl -sS --fail-with-body)

log "dufs upload"
sync
t0=$(now)
"${UCURL[@]}" -T "$SRC" -o /dev/null "http://127.0.0.1:$PORT/bench.bin"
t1=$(now)
read -r UU_S UU_R <<<"$(rate "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')")"

log "dufs download"
sync
t0=$(now)
"${UCURL[@]}" -o "$WORK/dufs-down.bin" "http://127.0.0.1:$PORT/bench.bin"
t1=$(now)
read -r UD_S UD_R <<<"$(rate "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')")"
DUFS_RSS="$(rss_mib "$DUFS_PID")"
DUFS_SHA="$(sha256sum "$WORK/dufs-down.bin" | cut -d' ' -f1)"
kill -TERM "$DUFS_PID"; wait "$DUFS_PID" 2>/dev/null || true; DUFS_PID=""

# ---- report ------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { ok = (op == ">=") ? (v >= t) : (v < t); print ok ? "ok" : "MISSED" }'; }
UP_RATIO="$(ratio "$DU_R" "$UU_R")"
DOWN_RATIO="$(ratio "$DD_R" "$UD_R")"
V_UP="$(verdict "$UP_RATIO" "$TARGET_UPLOAD_RATIO" ">=")"
V_DOWN="$(verdict "$DOWN_RATIO" "$TARGET_DOWNLOAD_RATIO" ">=")"
V_RSS="$(verdict "$DSG_RSS" "$TARGET_RSS_MIB" "<")"
SHA_OK=1
[ "$DSG_SHA" = "$SRC_SHA" ] && V_DSG_SHA=ok || { V_DSG_SHA=MISMATCH; SHA_OK=0; }
[ "$DUFS_SHA" = "$SRC_SHA" ] && V_DUFS_SHA=ok || { V_DUFS_SHA=MISMATCH; SHA_OK=0; }

REPORT="$OUT_DIR/result-$(date -u +%Y%m%dT%H%M%SZ)-${SIZE_MIB}MiB.txt"
{
  echo "dsg benchmark: one ${SIZE_MIB} MiB file, $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "dsg: $("$DSG_BIN" --version 2>/dev/null || echo "$DSG_BIN"), TLS ($DSG_PROTO via curl), files encrypted at rest"
  echo "dufs: $(dufs --version), plain HTTP/1.1, no TLS, no encryption at rest (so the comparison favours dufs)"
  printf '%-34s %10s %10s\n' "" "seconds" "MiB/s"
  printf '%-34s %10s %10s\n' "cp (baseline, page cache)" "$CP_S" "$CP_R"
  printf '%-34s %10s %10s\n' "dsg upload (POST, streamed)" "$DU_S" "$DU_R"
  printf '%-34s %10s %10s\n' "dsg download" "$DD_S" "$DD_R"
  printf '%-34s %10s %10s\n' "dufs upload (PUT)" "$UU_S" "$UU_R"
  printf '%-34s %10s %10s\n' "dufs download" "$UD_S" "$UD_R"
  echo "ratio dsg/dufs upload:   $UP_RATIO (target >= $TARGET_UPLOAD_RATIO: $V_UP)"
  echo "ratio dsg/dufs download: $DOWN_RATIO (target >= $TARGET_DOWNLOAD_RATIO: $V_DOWN)"
  echo "dsg peak RSS (VmHWM):    $DSG_RSS MiB (target < $TARGET_RSS_MIB MiB: $V_RSS)"
  echo "  (of which before the transfers, after start-up and login: $DSG_RSS_IDLE MiB)"
  echo "dufs peak RSS (VmHWM):   $DUFS_RSS MiB"
  echo "sha256 of the downloads: dsg $V_DSG_SHA, dufs $V_DUFS_SHA"
} | tee "$REPORT"
log "report saved to bench/out/$(basename "$REPORT")"

[ "$SHA_OK" = 1 ] || exit 1
if [ "${BENCH_STRICT:-0}" = 1 ] && [ "$V_UP$V_DOWN$V_RSS" != "okokok" ]; then exit 3; fi
exit 0
