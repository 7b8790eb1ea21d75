#!/usr/bin/env bash
# Small durable uploads: BENCH_COUNT files of BENCH_FILE_KIB KiB into dsg
# and into dufs (both over TLS), with one and with BENCH_CONNECTIONS
# keep-alive connections, BENCH_ROUNDS rounds; and the disk limit (write +
# fsync of each file and of its directory) in the same run.
# See bench/README.md.
#
# Env:
#   BENCH_COUNT        uploads per measurement (default 1000)
#   BENCH_FILE_KIB     size of each file in KiB (default 4)
#   BENCH_CONNECTIONS  connections of the concurrent measurement (default 8)
#   BENCH_ROUNDS       rounds, each one pair dsg/dufs per case (default 5)
#   BENCH_STRICT=1     exit 3 when a target is missed
#   DSG_BIN            use this dsg binary instead of building the release one
#   DUFS_BIN           use this dufs binary (default: `dufs` on PATH, else
#                      `cargo install dufs --locked`)
#   TMPDIR             where the temp dir goes (must be a real disk: fsync on
#                      tmpfs costs nothing)
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
COUNT="${BENCH_COUNT:-1000}"
FILE_KIB="${BENCH_FILE_KIB:-4}"
CONNS="${BENCH_CONNECTIONS:-8}"
ROUNDS="${BENCH_ROUNDS:-5}"
SIZE=$((FILE_KIB * 1024))
TARGET_CONC_PER_S=1000
TARGET_CONC_P99_MS=20
TARGET_ONE_P50_MS=2

for v in "$COUNT" "$FILE_KIB" "$CONNS" "$ROUNDS"; do
  case "$v" in '' | *[!0-9]* | 0) echo "bench: counts must be positive integers" >&2; exit 2 ;; esac
done
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
bench_need curl python3 openssl awk
bench_tools

# ---- temp dir and cleanup ----------------------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/dsg-small.XXXXXX")"
OUT_DIR="$BENCH_DIR/out"
mkdir -p "$OUT_DIR" "$WORK/dsg" "$WORK/dufs-root" "$WORK/disk"
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

json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {"d": d}))' "$1"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
CLIENT=(python3 "$BENCH_DIR/small_files.py")

# ---- dsg -----------------------------------------------------------------------
log "starting dsg serve --demo"
(cd "$WORK/dsg" && exec "$DSG_BIN" serve --demo --listen 127.0.0.1:0 >"$WORK/dsg.out" 2>"$OUT_DIR/small-dsg-server.log") &
DSG_PID=$!
for _ in $(seq 600); do
  grep -q 'listening on' "$WORK/dsg.out" 2>/dev/null && break
  kill -0 "$DSG_PID" 2>/dev/null || { cat "$OUT_DIR/small-dsg-server.log" >&2; echo "bench: dsg exited" >&2; exit 1; }
  sleep 0.1
done
grep -q 'listening on' "$WORK/dsg.out" || { echo "bench: dsg did not start" >&2; exit 1; }
DSG_URL="$(sed -n 's#.*listening on \(https://[^/ ]*\).*#\1#p' "$WORK/dsg.out" | head -1)"
CA="$WORK/dsg/$(sed -n 's#^trust the gateway CA: ##p' "$WORK/dsg.out" | head -1)"
PW="$(awk '$3 == "tanaka@minato" && $4 == "password:" { print $5 }' "$WORK/dsg.out")"
[ -n "$PW" ] || { echo "bench: no password for tanaka@minato in the demo output" >&2; exit 1; }
# Protected data is reachable only from a registered terminal (the demo's
# PKCS#12 for みなと精機) after both login factors (the demo accepts TOTP).
P12="$WORK/dsg/$(awk '$3 ~ /minato\.p12$/ { print $3 }' "$WORK/dsg.out" | head -1)"
P12_PW="$(awk '$3 ~ /minato\.p12$/ && $4 == "password:" { print $5 }' "$WORK/dsg.out" | head -1)"
openssl pkcs12 -in "$P12" -passin "pass:$P12_PW" -nodes -out "$WORK/terminal.pem" 2>/dev/null
TOTP_SECRET="$(awk '$3 == "tanaka@minato" && $6 == "totp:" { print $7 }' "$WORK/dsg.out")"
DCURL=(curl -sS --fail-with-body --cacert "$CA" --cert "$WORK/terminal.pem" -b "$WORK/jar" -c "$WORK/jar")
LOGIN_BODY="$(python3 -c 'import json,sys; print(json.dumps({"username": "tanaka@minato", "password": sys.argv[1]}))' "$PW")"
CSRF="$("${DCURL[@]}" -H 'Content-Type: application/json' --data-binary "$LOGIN_BODY" "$DSG_URL/api/v1/session" | json 'd["csrf_token"]')"
# Each TOTP step is accepted once, and setting up the demo may have used
# the current one: wait for the next step.
sleep $((31 - $(date +%s) % 30))
CODE="$(python3 -c '
import base64, hashlib, hmac, struct, sys, time
mac = hmac.new(base64.b32decode(sys.argv[1]), struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
o = mac[-1] & 15
print("%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000))' "$TOTP_SECRET")"
CSRF="$("${DCURL[@]}" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
  --data-binary "{\"totp\": \"$CODE\"}" "$DSG_URL/api/v1/session/second-factor" | json 'd["csrf_token"]')"
CID="$("${DCURL[@]}" "$DSG_URL/api/v1/compartments" |
  json '[c["compartment"]["id"] for c in d["compartments"] if c["contract"]["number"] == "A-001"][0]')"
COOKIE="$(awk '$6 ~ /dsg_session/ { print $6 "=" $7 }' "$WORK/jar")"
[ -n "$COOKIE" ] || { echo "bench: no session cookie" >&2; exit 1; }

# ---- dufs over TLS (no auth, no encryption at rest) ------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1" \
  -keyout "$WORK/dufs-key.pem" -out "$WORK/dufs-cert.pem" 2>/dev/null
PORT="$(free_port)"
"$DUFS_BIN" -A -b 127.0.0.1 -p "$PORT" --tls-cert "$WORK/dufs-cert.pem" --tls-key "$WORK/dufs-key.pem" \
  "$WORK/dufs-root" >"$OUT_DIR/small-dufs.log" 2>&1 &
DUFS_PID=$!
for _ in $(seq 100); do
  curl -s -o /dev/null --cacert "$WORK/dufs-cert.pem" "https://127.0.0.1:$PORT/" && break
  sleep 0.1
done
DUFS_URL="https://127.0.0.1:$PORT"

dsg_run() { "${CLIENT[@]}" dsg "$DSG_URL" "$CA" "$COUNT" "$1" "$SIZE" "$2" "$COOKIE" "$CSRF" "$CID" "$WORK/terminal.pem"; }
dufs_run() { "${CLIENT[@]}" dufs "$DUFS_URL" "$WORK/dufs-cert.pem" "$COUNT" "$1" "$SIZE" "$2"; }

# ---- rounds ------------------------------------------------------------------------
RESULTS="$WORK/results.tsv"
: >"$RESULTS"
for r in $(seq "$ROUNDS"); do
  rm -rf "$WORK/disk" && mkdir "$WORK/disk" && sync
  echo -e "$r\tdisk\t1\t$("${CLIENT[@]}" disk "$WORK/disk" "$COUNT" "$SIZE")" >>"$RESULTS"
  for c in 1 "$CONNS"; do
    sync
    echo -e "$r\tdsg\t$c\t$(dsg_run "$c" "r$r-c$c")" >>"$RESULTS"
    sync
    echo -e "$r\tdufs\t$c\t$(dufs_run "$c" "r$r-c$c")" >>"$RESULTS"
  done
  log "round $r of $ROUNDS done"
done
kill -TERM "$DSG_PID"; wait "$DSG_PID" 2>/dev/null || true; DSG_PID=""
kill -TERM "$DUFS_PID"; wait "$DUFS_PID" 2>/dev/null || true; DUFS_PID=""

# ---- report ------------------------------------------------------------------------
REPORT="$OUT_DIR/small-files-$(date -u +%Y%m%dT%H%M%SZ)-${CONNS}c.txt"
python3 - "$RESULTS" "$CONNS" "$TARGET_CONC_PER_S" "$TARGET_CONC_P99_MS" "$TARGET_ONE_P50_MS" \
  "$COUNT" "$FILE_KIB" "$ROUNDS" <<'EOF' | tee "$REPORT"
import json, statistics, sys
path, conns, t_rate, t_p99, t_p50, count, kib, rounds = sys.argv[1:]
conns, t_rate, t_p99, t_p50 = int(conns), float(t_rate), float(t_p99), float(t_p50)
rows = {}
for line in open(path):
    r, kind, c, js = line.rstrip("\n").split("\t", 3)
    rows.setdefault((kind, int(c)), {})[int(r)] = json.loads(js)
med = statistics.median
print(f"dsg small-files benchmark: {count} x {kib} KiB uploads, medians of {rounds} rounds")
print("dsg: TLS, encrypted at rest, blob + directory fsynced and the row committed (WAL, synchronous=FULL) before the answer")
print("dufs: TLS, no auth, no encryption at rest, no fsync (so the comparison favours dufs)")
print(f"{'':28} {'uploads/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'failed':>7}")
def line(label, kind, c):
    d = rows[(kind, c)]
    print(f"{label:28} {med(x['per_s'] for x in d.values()):10.0f} "
          f"{med(x['p50_ms'] for x in d.values()):8.2f} {med(x['p99_ms'] for x in d.values()):8.2f} "
          f"{sum(x['failures'] for x in d.values()):7d}")
line("disk: write+fsync file+dir", "disk", 1)
for c in (1, conns):
    line(f"dsg, {c} connection(s)", "dsg", c)
    line(f"dufs, {c} connection(s)", "dufs", c)
failed = 0
for c in (1, conns):
    pairs = [rows[("dsg", c)][r]["per_s"] / rows[("dufs", c)][r]["per_s"] for r in rows[("dsg", c)]]
    disk = [rows[("dsg", c)][r]["per_s"] / rows[("disk", 1)][r]["per_s"] for r in rows[("dsg", c)]]
    print(f"ratio dsg/dufs,  {c} conn: {med(pairs):.2f}  (pairs: {' '.join(f'{p:.2f}' for p in pairs)})")
    print(f"ratio dsg/disk,  {c} conn: {med(disk):.2f}")
    failed += sum(x["failures"] for x in rows[("dsg", c)].values())
one = rows[("dsg", 1)]
conc = rows[("dsg", conns)]
ok_rate = med(x["per_s"] for x in conc.values()) >= t_rate
ok_p99 = med(x["p99_ms"] for x in conc.values()) < t_p99
ok_p50 = med(x["p50_ms"] for x in one.values()) < t_p50
yn = lambda b: "ok" if b else "MISSED"
print(f"target {conns} conn >= {t_rate:.0f}/s: {yn(ok_rate)}; p99 < {t_p99:.0f} ms: {yn(ok_p99)}; "
      f"1 conn p50 < {t_p50:.0f} ms: {yn(ok_p50)}")
print(f"targets: {'met' if ok_rate and ok_p99 and ok_p50 else 'missed'}; dsg failed uploads: {failed}")
EOF
log "report saved to bench/out/$(basename "$REPORT")"
grep -q 'dsg failed uploads: 0$' "$REPORT" || exit 1
if [ "${BENCH_STRICT:-0}" = 1 ] && ! grep -q '^targets: met' "$REPORT"; then exit 3; fi
exit 0
