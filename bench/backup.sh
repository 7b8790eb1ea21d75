#!/usr/bin/env bash
# Backup and restore of N GiB of blobs against `cp -r` + `sync` of the same
# tree, in the same run, interleaved, medians of the ratios. See
# bench/README.md ("Backup and restore").
#
# Env:
#   BENCH_GIB       GiB of file content to back up (default 1; 10 for the
#                   measurement of record)
#   BENCH_FILES     how many files it is split into (default 64)
#   BENCH_ROUNDS    paired rounds (default 3)
#   BENCH_STRICT=1  exit 3 when a ratio is below 0.5
#   DSG_BIN         use this dsg binary instead of building the release one
#   TMPDIR          where the temp dir goes: a real disk; needs about
#                   (2 + 4 * rounds) times the content free
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
GIB="${BENCH_GIB:-1}"
FILES="${BENCH_FILES:-64}"
ROUNDS="${BENCH_ROUNDS:-3}"
for v in "$GIB" "$FILES" "$ROUNDS"; do
  case "$v" in '' | *[!0-9]* | 0) echo "bench: sizes and counts must be positive integers" >&2; exit 2 ;; esac
done

# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
bench_need curl python3 awk
DUFS_BIN=unused bench_tools

WORK="$(mktemp -d "${TMPDIR:-/tmp}/dsg-backup.XXXXXX")"
OUT_DIR="$BENCH_DIR/out"
mkdir -p "$OUT_DIR"
DSG_PID=
cleanup() {
  if [ -n "$DSG_PID" ] && kill -0 "$DSG_PID" 2>/dev/null; then
    kill -TERM "$DSG_PID" 2>/dev/null || true
    wait "$DSG_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.4f", b - a }'; }
json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {"d": d}))' "$1"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "nan"; exit } if (NR % 2) printf "%.3f", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", (b > 0 ? a / b : 0) }'; }

# ---- a gateway with GIB GiB of files ------------------------------------------------
GW="$WORK/gw"
mkdir -p "$GW"
(cd "$GW" && exec "$DSG_BIN" serve --demo --listen 127.0.0.1:0 >"$GW/out" 2>"$GW/server.log") &
DSG_PID=$!
for _ in $(seq 600); do
  grep -q 'listening on' "$GW/out" 2>/dev/null && break
  kill -0 "$DSG_PID" 2>/dev/null || { cat "$GW/server.log" >&2; echo "bench: dsg exited" >&2; exit 1; }
  sleep 0.1
done
URL="$(sed -n 's#.*listening on \(https://[^/ ]*\).*#\1#p' "$GW/out" | head -1)"
CA="$GW/$(sed -n 's#^trust the gateway CA: ##p' "$GW/out" | head -1)"
JAR="$GW/jar"
pw="$(awk '$3 == "tanaka@minato" && $4 == "password:" { print $5 }' "$GW/out")"
totp="$(awk '$3 == "tanaka@minato" && $6 == "totp:" { print $7 }' "$GW/out")"
p12="$GW/$(awk '$1 == "demo" && $2 == "terminal:" && $3 ~ /minato/ { print $3 }' "$GW/out")"
p12pw="$(awk '$1 == "demo" && $2 == "terminal:" && $3 ~ /minato/ { print $5 }' "$GW/out")"
CERT=(--cert-type P12 --cert "$p12:$p12pw")
body="$(python3 -c 'import json,sys; print(json.dumps({"username": "tanaka@minato", "password": sys.argv[1]}))' "$pw")"
CSRF="$(curl -sS --fail-with-body --cacert "$CA" "${CERT[@]}" -b "$JAR" -c "$JAR" -H 'Content-Type: application/json' \
  --data-binary "$body" "$URL/api/v1/session" | json 'd["csrf_token"]')"
sleep "$((31 - $(date +%s) % 30))"
code="$(python3 -c '
import base64, hmac, struct, sys, time
key = base64.b32decode(sys.argv[1])
mac = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), "sha1").digest()
o = mac[-1] & 15
print("%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7fffffff) % 1000000))' "$totp")"
CSRF="$(curl -sS --fail-with-body --cacert "$CA" "${CERT[@]}" -b "$JAR" -c "$JAR" -H 'Content-Type: application/json' \
  -H "X-CSRF-Token: $CSRF" --data-binary "{\"totp\": \"$code\"}" "$URL/api/v1/session/second-factor" |
  json 'd["csrf_token"]')"
CID="$(curl -sS --fail-with-body --cacert "$CA" "${CERT[@]}" -b "$JAR" "$URL/api/v1/compartments" |
  json '[c["compartment"]["id"] for c in d["compartments"] if c["contract"]["number"] == "A-001"][0]')"

EACH_MIB=$((GIB * 1024 / FILES))
log "uploading $FILES files of $EACH_MIB MiB"
SRC="$WORK/src.bin"
for i in $(seq "$FILES"); do
  head -c "$((EACH_MIB * 1024 * 1024))" /dev/urandom >"$SRC"
  curl -sS --fail-with-body --cacert "$CA" "${CERT[@]}" -b "$JAR" -H "X-CSRF-Token: $CSRF" \
    -H 'Content-Type: application/octet-stream' -T "$SRC" -X POST -o /dev/null \
    "$URL/api/v1/compartments/$CID/files?name=bench-$i.bin"
done
rm -f "$SRC"
sync
BLOBS="$GW/dsg-demo/data/blobs"
TREE_BYTES="$(du -sb "$BLOBS" | cut -f1)"
admin() { "$DSG_BIN" admin "$@" --data-dir "$GW/dsg-demo/data" --key-dir "$GW/dsg-demo/keys" >/dev/null; }

# ---- paired rounds: backup (online, the gateway keeps serving) and restore -----------
B_RATIOS=() R_RATIOS=() B_DSG=() B_CP=() R_DSG=() R_CP=()
for r in $(seq "$ROUNDS"); do
  # Alternate which side goes first, so a warm page cache favours neither.
  if [ $((r % 2)) -eq 1 ]; then order="dsg cp"; else order="cp dsg"; fi
  for side in $order; do
    t="$(now)"
    if [ "$side" = dsg ]; then
      admin backup create --to "$WORK/bk-$r"
      b_dsg="$(elapsed "$t")"
    else
      cp -r "$BLOBS" "$WORK/cp-$r" && sync
      b_cp="$(elapsed "$t")"
    fi
  done
  for side in $order; do
    t="$(now)"
    if [ "$side" = dsg ]; then
      "$DSG_BIN" admin backup restore "$WORK/bk-$r" --data "$WORK/restored-$r" >/dev/null && sync
      r_dsg="$(elapsed "$t")"
    else
      cp -r "$WORK/bk-$r" "$WORK/rcp-$r" && sync
      r_cp="$(elapsed "$t")"
    fi
  done
  log "round $r: backup dsg ${b_dsg}s cp ${b_cp}s; restore dsg ${r_dsg}s cp ${r_cp}s"
  B_DSG+=("$b_dsg") B_CP+=("$b_cp") R_DSG+=("$r_dsg") R_CP+=("$r_cp")
  B_RATIOS+=("$(div "$b_cp" "$b_dsg")") R_RATIOS+=("$(div "$r_cp" "$r_dsg")")
  rm -rf "$WORK/bk-$r" "$WORK/cp-$r" "$WORK/restored-$r" "$WORK/rcp-$r"
done

med() { printf '%s\n' "$@" | median; }
B_RATIO="$(med "${B_RATIOS[@]}")"
R_RATIO="$(med "${R_RATIOS[@]}")"
REPORT="$OUT_DIR/backup-$(date -u +%Y%m%dT%H%M%SZ).txt"
{
  echo "backup of $FILES files, $TREE_BYTES bytes of blobs, $ROUNDS rounds (medians)"
  echo "backup:  dsg $(med "${B_DSG[@]}") s, cp -r + sync $(med "${B_CP[@]}") s, speed ratio dsg/cp $B_RATIO (target >= 0.5)"
  echo "restore: dsg $(med "${R_DSG[@]}") s, cp -r + sync $(med "${R_CP[@]}") s, speed ratio dsg/cp $R_RATIO (target >= 0.5)"
} | tee "$REPORT"
if [ "${BENCH_STRICT:-}" = 1 ]; then
  awk -v b="$B_RATIO" -v r="$R_RATIO" 'BEGIN { exit !(b >= 0.5 && r >= 0.5) }' || exit 3
fi
