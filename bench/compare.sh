#!/usr/bin/env bash
# dsg against dufs (both with TLS on loopback) and against cp + fsync, in
# interleaved pairs, medians of the ratios. See bench/README.md
# ("Side by side with dufs").
#
# Env:
#   BENCH_SIZE_MIB        size of the large file in MiB (default 1024)
#   BENCH_PAIRS           rounds of paired measurements (default 5, at least 5
#                         for the measurement of record)
#   BENCH_CONCURRENT      concurrent uploads of the memory test (default 8)
#   BENCH_CONCURRENT_MIB  size of each of them in MiB (default 100)
#   BENCH_STRICT=1        exit 3 when a target is missed
#   BENCH_ONLY=memory     only the memory test (item 6), for allocator work
#   DSG_BIN               use this dsg binary instead of building the release one
#   DUFS_BIN              use this dufs binary (default: dufs on PATH, else
#                         cargo install dufs --locked)
#   TMPDIR                where the temp dir goes: a real disk (fsync on tmpfs
#                         costs nothing); needs about (2 * pairs + 3) times the
#                         file size free
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
SIZE_MIB="${BENCH_SIZE_MIB:-1024}"
PAIRS="${BENCH_PAIRS:-5}"
CONC="${BENCH_CONCURRENT:-8}"
CONC_MIB="${BENCH_CONCURRENT_MIB:-100}"
for v in "$SIZE_MIB" "$PAIRS" "$CONC" "$CONC_MIB"; do
  case "$v" in '' | *[!0-9]* | 0) echo "bench: sizes and counts must be positive integers" >&2; exit 2 ;; esac
done

# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
bench_need curl python3 openssl awk sha256sum
bench_tools

# ---- temp dir and cleanup ----------------------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/dsg-compare.XXXXXX")"
OUT_DIR="$BENCH_DIR/out"
mkdir -p "$OUT_DIR"
PIDS=()
stop_pid() {
  local pid="$1"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
}
cleanup() {
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.4f", b - a }'; }
json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {"d": d}))' "$1"; }
status_mib() { awk -v k="$2:" '$1 == k { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "nan"; exit } if (NR % 2) printf "%.3f", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", (b > 0 ? a / b : 0) }'; }

# ---- test files and a throwaway certificate for dufs ----------------------------
SRC="$WORK/src.bin"
log "writing $SIZE_MIB MiB of random data"
[ "${BENCH_ONLY:-}" = memory ] && SIZE_MIB=1
head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom >"$SRC"
SRC_SHA="$(sha256sum "$SRC" | cut -d' ' -f1)"
SMALL="$WORK/small.bin"
head -c "$((CONC_MIB * 1024 * 1024))" /dev/urandom >"$SMALL"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
  -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$WORK/dufs-key.pem" -out "$WORK/dufs-cert.pem" 2>/dev/null
sync

# ---- servers ---------------------------------------------------------------------
# start_dsg DIR: starts `dsg serve --demo` in DIR, logs in; sets DSG_PID,
# DSG_URL, CA, CID, CSRF and the cookie jar DIR/jar.
start_dsg() {
  local dir="$1"
  mkdir -p "$dir"
  (cd "$dir" && exec "$DSG_BIN" serve --demo --listen 127.0.0.1:0 >"$dir/out" 2>"$dir/server.log") &
  DSG_PID=$!
  PIDS+=("$DSG_PID")
  for _ in $(seq 600); do
    grep -q 'listening on' "$dir/out" 2>/dev/null && break
    kill -0 "$DSG_PID" 2>/dev/null || { cat "$dir/server.log" >&2; echo "bench: dsg exited" >&2; exit 1; }
    sleep 0.1
  done
  grep -q 'listening on' "$dir/out" || { echo "bench: dsg did not start" >&2; exit 1; }
  DSG_URL="$(sed -n 's#.*listening on \(https://[^/ ]*\).*#\1#p' "$dir/out" | head -1)"
  CA="$dir/$(sed -n 's#^trust the gateway CA: ##p' "$dir/out" | head -1)"
  JAR="$dir/jar"
  local pw totp body p12 p12pw code
  pw="$(awk '$3 == "tanaka@minato" && $4 == "password:" { print $5 }' "$dir/out")"
  totp="$(awk '$3 == "tanaka@minato" && $6 == "totp:" { print $7 }' "$dir/out")"
  [ -n "$pw" ] && [ -n "$totp" ] || { echo "bench: no credentials for tanaka@minato in the demo output" >&2; exit 1; }
  # Protected data is reachable only from a registered terminal: the demo
  # company's client certificate.
  p12="$dir/$(awk '$1 == "demo" && $2 == "terminal:" && $3 ~ /minato/ { print $3 }' "$dir/out")"
  p12pw="$(awk '$1 == "demo" && $2 == "terminal:" && $3 ~ /minato/ { print $5 }' "$dir/out")"
  CERT=(--cert-type P12 --cert "$p12:$p12pw")
  body="$(python3 -c 'import json,sys; print(json.dumps({"username": "tanaka@minato", "password": sys.argv[1]}))' "$pw")"
  CSRF="$(curl -sS --fail-with-body --cacert "$CA" "${CERT[@]}" -b "$JAR" -c "$JAR" -H 'Content-Type: application/json' \
    --data-binary "$body" "$DSG_URL/api/v1/session" | json 'd["csrf_token"]')"
  # The demo enrols the TOTP at start and counts that time step as used:
  # wait for the next one.
  sleep "$((31 - $(date +%s) % 30))"
  code="$(python3 -c '
import base64, hmac, struct, sys, time
key = base64.b32decode(sys.argv[1])
mac = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), "sha1").digest()
o = mac[-1] & 15
print("%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7fffffff) % 1000000))' "$totp")"
  CSRF="$(curl -sS --fail-with-body --cacert "$CA" "${CERT[@]}" -b "$JAR" -c "$JAR" -H 'Content-Type: application/json' \
    -H "X-CSRF-Token: $CSRF" --data-binary "{\"totp\": \"$code\"}" "$DSG_URL/api/v1/session/second-factor" |
    json 'd["csrf_token"]')"
  CID="$(curl -sS --fail-with-body --cacert "$CA" "${CERT[@]}" -b "$JAR" "$DSG_URL/api/v1/compartments" |
    json '[c["compartment"]["id"] for c in d["compartments"] if c["contract"]["number"] == "A-001"][0]')"
}

# dsg_upload FILE PROTO OUTJSON NAME: durable upload (201 only after blob and
# directory fsync and the row's commit)
dsg_upload() {
  curl -sS --fail-with-body --cacert "$CA" "${CERT[@]}" -b "$JAR" "$2" -H "X-CSRF-Token: $CSRF" \
    -H 'Content-Type: application/octet-stream' -T "$1" -X POST -o "$3" \
    "$DSG_URL/api/v1/compartments/$CID/files?name=$4"
}

start_dufs() {
  local root="$1"
  mkdir -p "$root"
  DUFS_PORT="$(free_port)"
  "$DUFS_BIN" -A -b 127.0.0.1 -p "$DUFS_PORT" --tls-cert "$WORK/dufs-cert.pem" \
    --tls-key "$WORK/dufs-key.pem" "$root" >"$root.log" 2>&1 &
  DUFS_PID=$!
  DUFS_URL="https://localhost:$DUFS_PORT"
  PIDS+=("$DUFS_PID")
  for _ in $(seq 100); do
    curl -s --cacert "$WORK/dufs-cert.pem" -o /dev/null "https://localhost:$DUFS_PORT/" && return 0
    sleep 0.1
  done
  echo "bench: dufs did not start" >&2
  exit 1
}
DCURL_DUFS=(curl -sS --fail-with-body --cacert "$WORK/dufs-cert.pem" --http1.1)

if [ "${BENCH_ONLY:-}" != memory ]; then
log "starting dsg (demo, TLS) and dufs (TLS)"
start_dsg "$WORK/dsg"
start_dufs "$WORK/dufs-root"

# ---- interleaved pairs -------------------------------------------------------------
: >"$WORK/pairs"
for i in $(seq "$PAIRS"); do
  log "round $i of $PAIRS"
  # Baseline: the same bytes written and made durable (fsync of the file
  # and of its directory), which is what dsg does before answering.
  sync
  t0=$(now); cp "$SRC" "$WORK/cp.bin"; sync "$WORK/cp.bin" "$WORK"; CP=$(elapsed "$t0")
  rm -f "$WORK/cp.bin"

  sync
  t0=$(now); dsg_upload "$SRC" --http1.1 "$WORK/up1.json" "h1-$i.bin"; UP1=$(elapsed "$t0")
  sync
  t0=$(now); dsg_upload "$SRC" --http2 "$WORK/up2.json" "h2-$i.bin"; UP2=$(elapsed "$t0")
  FID="$(json 'd["file"]["id"]' <"$WORK/up1.json")"

  sync
  t0=$(now)
  "${DCURL_DUFS[@]}" -T "$SRC" -o /dev/null "$DUFS_URL/bench-$i.bin"
  DUFS_UP=$(elapsed "$t0")
  # The same client over HTTP/2 to dufs: what HTTP/2 costs on the client's
  # side (curl), with nothing of dsg in it.
  sync
  t0=$(now)
  curl -sS --fail-with-body --cacert "$WORK/dufs-cert.pem" --http2 -T "$SRC" -o /dev/null "$DUFS_URL/bench-$i-h2.bin"
  DUFS_UP2=$(elapsed "$t0")
  rm -f "$WORK/dufs-root/bench-$i-h2.bin"

  t0=$(now)
  curl -sS --fail-with-body --cacert "$CA" "${CERT[@]}" -b "$JAR" --http1.1 -o "$WORK/down.bin" \
    "$DSG_URL/api/v1/compartments/$CID/files/$FID/content"
  DOWN=$(elapsed "$t0")
  if [ "$i" = 1 ]; then
    [ "$(sha256sum "$WORK/down.bin" | cut -d' ' -f1)" = "$SRC_SHA" ] || { echo "bench: dsg download differs" >&2; exit 1; }
  fi
  rm -f "$WORK/down.bin"
  t0=$(now)
  "${DCURL_DUFS[@]}" -o "$WORK/down.bin" "$DUFS_URL/bench-$i.bin"
  DUFS_DOWN=$(elapsed "$t0")
  if [ "$i" = 1 ]; then
    [ "$(sha256sum "$WORK/down.bin" | cut -d' ' -f1)" = "$SRC_SHA" ] || { echo "bench: dufs download differs" >&2; exit 1; }
  fi
  rm -f "$WORK/down.bin"
  # The last MiB by Range: dsg reads and authenticates only the chunks
  # that hold it; dufs reads the plain file at that offset.
  t0=$(now)
  curl -sS --fail-with-body --cacert "$CA" "${CERT[@]}" -b "$JAR" --http1.1 -r -1048576 -o "$WORK/tail.bin" \
    "$DSG_URL/api/v1/compartments/$CID/files/$FID/content"
  RANGE=$(elapsed "$t0")
  if [ "$i" = 1 ]; then
    tail -c 1048576 "$SRC" | cmp -s - "$WORK/tail.bin" || { echo "bench: dsg range differs" >&2; exit 1; }
  fi
  t0=$(now)
  "${DCURL_DUFS[@]}" -r -1048576 -o "$WORK/tail.bin" "$DUFS_URL/bench-$i.bin"
  DUFS_RANGE=$(elapsed "$t0")
  rm -f "$WORK/tail.bin" "$WORK/dufs-root/bench-$i.bin"
  echo "$CP $UP1 $UP2 $DUFS_UP $DOWN $DUFS_DOWN $DUFS_UP2 $RANGE $DUFS_RANGE" | tee -a "$WORK/pairs" >&2
done
stop_pid "$DSG_PID"
stop_pid "$DUFS_PID"
rm -rf "$WORK/dsg" "$WORK/dufs-root"

col() { awk -v c="$1" '{ print $c }' "$WORK/pairs" | median; }
# per-round ratio of columns a / b, then the median
ratio_med() { awk -v a="$1" -v b="$2" '{ if ($b > 0) printf "%.4f\n", $a / $b }' "$WORK/pairs" | median; }
MED_CP=$(col 1); MED_UP1=$(col 2); MED_UP2=$(col 3); MED_DUFS_UP=$(col 4); MED_DOWN=$(col 5); MED_DUFS_DOWN=$(col 6); MED_DUFS_UP2=$(col 7)
MED_RANGE=$(col 8); MED_DUFS_RANGE=$(col 9)
MS_RANGE=$(awk -v s="$MED_RANGE" 'BEGIN { printf "%.1f", s * 1000 }')
R_UP1_CP=$(ratio_med 1 2)    # throughput dsg / cp+fsync = time cp / time dsg
R_UP2_CP=$(ratio_med 1 3)
R_DOWN_DUFS=$(ratio_med 5 6) # time dsg / time dufs
R_UP_DUFS=$(ratio_med 2 4)   # time dsg / time dufs
R_H2_H1=$(ratio_med 3 2)     # time h2 / time h1
R_DUFS_H2_H1=$(ratio_med 7 4)
R_RANGE_DUFS=$(ratio_med 8 9) # time dsg / time dufs, last MiB by Range
else
  MED_CP=-; MED_UP1=-; MED_UP2=-; MED_DUFS_UP=-; MED_DOWN=-; MED_DUFS_DOWN=-; MED_DUFS_UP2=-
  R_UP1_CP=0; R_UP2_CP=0; R_DOWN_DUFS=9; R_UP_DUFS=-; R_H2_H1=9; R_DUFS_H2_H1=-
  MED_RANGE=-; MED_DUFS_RANGE=-; MS_RANGE=999; R_RANGE_DUFS=-
  : >"$WORK/pairs"
fi

# ---- memory: concurrent uploads on a fresh server ------------------------------------
log "memory: $CONC concurrent $CONC_MIB MiB uploads"
start_dsg "$WORK/dsg-mem"
sleep 1
IDLE=$(status_mib "$DSG_PID" VmRSS)
UPS=()
for j in $(seq "$CONC"); do
  cp "$SMALL" "$WORK/c$j.bin"
done
for j in $(seq "$CONC"); do
  dsg_upload "$WORK/c$j.bin" --http1.1 "$WORK/c$j.json" "c$j.bin" &
  UPS+=($!)
done
for pid in "${UPS[@]}"; do wait "$pid"; done
PEAK=$(status_mib "$DSG_PID" VmHWM)
sleep 5
AFTER=$(status_mib "$DSG_PID" VmRSS)
sleep 10
AFTER15=$(status_mib "$DSG_PID" VmRSS)
stop_pid "$DSG_PID"
start_dufs "$WORK/dufs-mem"
UPS=()
for j in $(seq "$CONC"); do
  "${DCURL_DUFS[@]}" -T "$WORK/c$j.bin" -o /dev/null "$DUFS_URL/c$j.bin" &
  UPS+=($!)
done
for pid in "${UPS[@]}"; do wait "$pid"; done
DUFS_PEAK=$(status_mib "$DUFS_PID" VmHWM)
stop_pid "$DUFS_PID"

# ---- report ------------------------------------------------------------------------------
ok() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { ok = (op == ">=") ? (v >= t) : (op == "<=") ? (v <= t) : (v < t); print ok ? "ok" : "MISSED" }'; }
V1=$(ok "$R_UP1_CP" 0.5 ">="); V1B=$(ok "$R_UP2_CP" 0.5 ">=")
V2=$(ok "$R_DOWN_DUFS" 1.0 "<="); V5=$(ok "$R_H2_H1" 1.1 "<=")
V7=$(ok "$MS_RANGE" 50 "<")
V6=$(ok "$PEAK" 128 "<")
V6B=$(ok "$AFTER" "$(awk -v i="$IDLE" 'BEGIN { print i * 1.1 + 2 }')" "<=")
REPORT="$OUT_DIR/compare-$(date -u +%Y%m%dT%H%M%SZ)-${SIZE_MIB}MiB.txt"
{
  if [ "${BENCH_ONLY:-}" != memory ]; then
    echo "dsg vs dufs vs cp+fsync: ${SIZE_MIB} MiB, $PAIRS interleaved rounds, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "dsg: $("$DSG_BIN" --version 2>/dev/null || echo "$DSG_BIN") (TLS, encrypted at rest, fsync before 201)"
    echo "dufs: $("$DUFS_BIN" --version) (TLS, HTTP/1.1, no encryption at rest, no fsync)"
    echo "per round, seconds: cp+fsync  dsg-up-h1  dsg-up-h2  dufs-up  dsg-down  dufs-down  dufs-up-h2  dsg-range  dufs-range"
    sed 's/^/  /' "$WORK/pairs"
    echo "medians, seconds:   $MED_CP  $MED_UP1  $MED_UP2  $MED_DUFS_UP  $MED_DOWN  $MED_DUFS_DOWN  $MED_DUFS_UP2  $MED_RANGE  $MED_DUFS_RANGE"
    echo "ratios (median of the per-round ratios):"
    echo "  1. durable upload HTTP/1.1, throughput vs cp+fsync: $R_UP1_CP (target >= 0.5: $V1)"
    echo "     durable upload HTTP/2,   throughput vs cp+fsync: $R_UP2_CP (target >= 0.5: $V1B)"
    echo "     upload time dsg / dufs (HTTP/1.1, TLS):          $R_UP_DUFS"
    echo "  2. download time dsg / dufs (HTTP/1.1, TLS):        $R_DOWN_DUFS (target <= 1.0: $V2)"
    echo "  5. upload time HTTP/2 / HTTP/1.1:                    $R_H2_H1 (target <= 1.1: $V5)"
    echo "     the same client to dufs, HTTP/2 / HTTP/1.1:       $R_DUFS_H2_H1 (the client's own HTTP/2 cost)"
    echo "  7. last 1 MiB by Range: dsg $MS_RANGE ms (target < 50 ms: $V7), time dsg / dufs: $R_RANGE_DUFS"
  fi
  echo "  6. $CONC concurrent ${CONC_MIB} MiB uploads: dsg peak RSS $PEAK MiB (target < 128: $V6);"
  echo "     idle before $IDLE MiB, 5 s after $AFTER MiB (back to idle: $V6B), 15 s after $AFTER15 MiB; dufs peak $DUFS_PEAK MiB"
} | tee "$REPORT"
log "report saved to bench/out/$(basename "$REPORT")"

if [ "${BENCH_ONLY:-}" = memory ]; then MET="$V6$V6B" WANT=okok; else MET="$V1$V1B$V2$V5$V6$V6B$V7" WANT=okokokokokokok; fi
if [ "${BENCH_STRICT:-0}" = 1 ] && [ "$MET" != "$WANT" ]; then exit 3; fi
exit 0
