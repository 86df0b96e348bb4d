#!/usr/bin/env bash
# Builds netscene's fuzz targets with libFuzzer on stable Rust and runs them.
#
#   fuzz/run.sh [TARGET|all] [RUNS] [SECONDS]
#
# TARGET  variant_decode, variant_text, scene_packets, scene_auth, client_packets, wire_parsers,
#         or all (default).
# RUNS    inputs per target; 0 = no limit. Default, the CI smoke: 500000 for the decoder and
#         parser targets (~70 000 inputs/s), 100000 for the three scene targets
#         (~3 000-7 000/s: a fresh SceneMultiplayer and tree per input).
# SECONDS with RUNS 0, a soak: stop after this many seconds (libFuzzer -max_total_time).
#
# Each target runs deterministically (-seed=1) on a copy of fuzz/corpus/TARGET in a temporary
# directory, so the repository is never written to. Any crash (panic), timeout (-timeout=10 s
# per input) or out-of-memory (-rss_limit_mb=2048) makes the script exit non-zero; the input
# that did it is printed in hex and kept, with the grown corpus, in the directory it names.
#
# Environment: CARGO_TARGET_DIR (default fuzz/target); FUZZ_WORK_DIR to keep the corpus copy
# and artifacts in a directory of your choice (e.g. to carry a soak's corpus over); FUZZ_ARGS
# for extra libFuzzer flags (e.g. "-jobs=2" or "-only_ascii=1").
set -euo pipefail
cd "$(dirname "$0")"

TARGETS=(variant_decode variant_text scene_packets scene_auth client_packets wire_parsers)
# Instrumentation cargo-fuzz would pass (sanitizer coverage for libFuzzer, `cfg(fuzzing)`, and
# debug assertions). With an explicit --target these reach the fuzzed crates only, never the
# build scripts, so a stable toolchain suffices.
TRIPLE="${FUZZ_TRIPLE:-$(rustc -vV | sed -n 's/^host: //p')}"
FLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4"
FLAGS+=" -Cllvm-args=-sanitizer-coverage-inline-8bit-counters"
FLAGS+=" -Cllvm-args=-sanitizer-coverage-pc-table"
FLAGS+=" -Cllvm-args=-sanitizer-coverage-trace-compares"
FLAGS+=" --cfg fuzzing -Cdebug-assertions"

which_targets="${1:-all}"
runs="${2:-default}"
seconds="${3:-0}"
if [ "$which_targets" = all ]; then
    selected=("${TARGETS[@]}")
else
    case " ${TARGETS[*]} " in
        *" $which_targets "*) selected=("$which_targets") ;;
        *) echo "unknown target '$which_targets' (one of: ${TARGETS[*]} all)" >&2; exit 2 ;;
    esac
fi
case "${runs/#default/0}$seconds" in
    *[!0-9]*) echo "RUNS and SECONDS must be whole numbers" >&2; exit 2 ;;
esac
# The libFuzzer limits for target $1.
limits_for() {
    local n="$runs"
    if [ "$n" = default ]; then
        case "$1" in
            scene_packets | scene_auth | client_packets) n=100000 ;;
            *) n=500000 ;;
        esac
    fi
    if [ "$n" -eq 0 ]; then echo -n "-runs=-1"; else echo -n "-runs=$n"; fi
    if [ "$seconds" -gt 0 ]; then echo -n " -max_total_time=$seconds"; fi
}

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
build_start=$SECONDS
bins=()
for t in "${selected[@]}"; do bins+=(--bin "$t"); done
echo "== building ${selected[*]} (instrumented, $TRIPLE) into $CARGO_TARGET_DIR"
RUSTFLAGS="$FLAGS" cargo build --locked --release --target "$TRIPLE" "${bins[@]}"
echo "   build: $((SECONDS - build_start)) s"

work="${FUZZ_WORK_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/netscene-fuzz.XXXXXX")}"
mkdir -p "$work"
failed=()
summary=()
for t in "${selected[@]}"; do
    corpus="$work/$t/corpus"
    artifacts="$work/$t/artifacts"
    mkdir -p "$corpus" "$artifacts"
    cp -n corpus/"$t"/* "$corpus"/ 2>/dev/null || true
    dict=()
    if [ -f "$t.dict" ]; then dict=(-dict="$PWD/$t.dict"); fi
    log="$work/$t/fuzz.log"
    read -r -a limits <<<"$(limits_for "$t")"
    echo "== fuzz $t (${limits[*]}) on a copy of fuzz/corpus/$t"
    start=$(date +%s.%N)
    status=0
    "$CARGO_TARGET_DIR/$TRIPLE/release/$t" -seed=1 "${limits[@]}" -timeout=10 \
        -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "${dict[@]}" ${FUZZ_ARGS:-} "$corpus" >"$log" 2>&1 || status=$?
    elapsed=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(awk -v n="${execs:-0}" -v t="$elapsed" 'BEGIN { printf "%d", (t > 0 ? n / t : 0) }')
    cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
    summary+=("$(printf '%-15s %10s inputs %8s exec/s %7s s  %s' "$t" "${execs:-?}" "$rate" "$elapsed" "$cov")")
    if [ "$status" -ne 0 ]; then
        failed+=("$t")
        echo "!! $t failed (exit $status); the end of its log:"
        tail -n 60 "$log"
        for crash in "$artifacts"/*; do
            [ -e "$crash" ] || continue
            echo "!! reproducer $crash ($(wc -c <"$crash") bytes):"
            od -An -tx1 -v "$crash" | head -n 40
            echo "   replay: $CARGO_TARGET_DIR/$TRIPLE/release/$t $crash"
        done
    fi
done

echo "== fuzz summary ($((SECONDS - build_start)) s in total, build included)"
printf '   %s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
    echo "!! failing targets: ${failed[*]}; inputs and logs kept in $work" >&2
    exit 1
fi
if [ -z "${FUZZ_WORK_DIR:-}" ]; then
    rm -rf "$work"
else
    echo "   corpus and logs kept in $work"
fi
