# Shared by the gateway benchmarks (sourced, not run): finds or builds what
# they measure. Expects REPO_DIR; sets DUFS_BIN and DSG_BIN (absolute).

log() { echo "bench: $*" >&2; }

# bench_need TOOL...: exits 2 naming the first tool missing.
bench_need() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is needed" >&2; exit 2; }
  done
}

# bench_tools: dufs (installed with cargo if missing) and the release dsg
# (built unless DSG_BIN names one).
bench_tools() {
  if [ -z "${DUFS_BIN:-}" ]; then
    if ! command -v dufs >/dev/null; then
      log "installing dufs (cargo install dufs --locked; compiles for a few minutes)"
      cargo install dufs --locked >&2
      export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
    fi
    DUFS_BIN="$(command -v dufs)"
  fi
  if [ -z "${DSG_BIN:-}" ]; then
    log "building the release gateway"
    (cd "$REPO_DIR" && cargo build --release -p dsg-cli >&2)
    local target_dir="${CARGO_TARGET_DIR:-$REPO_DIR/target}"
    case "$target_dir" in /*) ;; *) target_dir="$REPO_DIR/$target_dir" ;; esac
    DSG_BIN="$target_dir/release/dsg"
  fi
  [ -x "$DSG_BIN" ] || { echo "bench: no dsg binary at $DSG_BIN" >&2; exit 2; }
  DSG_BIN="$(cd "$(dirname "$DSG_BIN")" && pwd)/$(basename "$DSG_BIN")"
}
