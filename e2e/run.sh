#!/usr/bin/env bash
# Browser end-to-end tests of the dsg web UI.
#
# Installs what the tests need (Chromium, NSS tools, a Japanese font for
# legible screenshots) if missing, installs playwright-core with `npm ci`,
# builds the gateway and runs the tests with node's test runner.
# Screenshots (artifacts/screenshots/<test>-<page>.<lang>.<width>.png, every
# page a test reaches, both languages, 390 and 1,280 px) and the server logs
# go to e2e/artifacts/, which a CI run leaves behind.
#
# Env: CARGO_TARGET_DIR (where cargo builds), DSG_BIN (use this dsg binary
# instead of building), CHROMIUM_PATH (default /usr/bin/chromium),
# DSG_E2E_NO_CA=1 (self-check: do not trust the gateway CA; every test
# must then fail), DSG_E2E_CONCURRENCY (test files run at once; default:
# all).
set -euo pipefail

E2E_DIR="$(cd "$(dirname "$0")" && pwd)"
REPO_DIR="$(cd "$E2E_DIR/.." && pwd)"

need_pkgs=()
command -v "${CHROMIUM_PATH:-/usr/bin/chromium}" >/dev/null 2>&1 || need_pkgs+=(chromium)
command -v certutil >/dev/null 2>&1 || need_pkgs+=(libnss3-tools)
[ -e /usr/share/fonts/opentype/ipafont-gothic/ipag.ttf ] || need_pkgs+=(fonts-ipafont-gothic)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "e2e: installing ${need_pkgs[*]}" >&2
  $SUDO apt-get update -qq
  # The font only makes screenshots legible; the tests do not need it.
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium libnss3-tools >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq fonts-ipafont-gothic >&2 ||
    echo "e2e: fonts-ipafont-gothic not installed; screenshots may show boxes for Japanese" >&2
fi

(cd "$E2E_DIR" && npm ci --no-audit --no-fund --loglevel=error >&2)

if [ -z "${DSG_BIN:-}" ]; then
  (cd "$REPO_DIR" && cargo build -p dsg-cli >&2)
  TARGET_DIR="${CARGO_TARGET_DIR:-$REPO_DIR/target}"
  case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$REPO_DIR/$TARGET_DIR" ;; esac
  export DSG_BIN="$TARGET_DIR/debug/dsg"
fi

# Screenshots of this run only (a reviewer reads the folder CI leaves).
rm -rf "$E2E_DIR/artifacts/screenshots"
mkdir -p "$E2E_DIR/artifacts/screenshots"
cd "$E2E_DIR"
# The files run at once: each has its own gateway and browser, and most of
# their time is spent waiting for the next TOTP step. On two cores the
# browsers share the CPU, so a journey that takes 50 s alone can take
# 170 s here: the long journeys allow 360 s.
tests=(tests/*.test.mjs)
exec node --test --test-concurrency="${DSG_E2E_CONCURRENCY:-${#tests[@]}}" --test-reporter=tap "${tests[@]}"
