#!/usr/bin/env bash
# THE test command: installs the test dependencies (pinned), then formats, lints and tests the whole
# workspace, and tries the package on the oldest and newest Python it claims. CI runs exactly this.
#
#   bash scripts/test.sh
#
# Independent work runs side by side, in three lanes:
#   deps:   scripts/install-test-deps.sh (the Locust 2.47.0 venv; mostly network)
#   rust:   cargo fmt --check, clippy -D warnings, build the binaries and the tests, | cargo test
#   python: pip install . (release build of the engine), mypy --strict, the same wheel on CPython
#           3.9 and 3.13 (scripts/check-python-versions.sh), || pytest
# The compilers run side by side; the test runners (|, ||) start once everything is compiled and
# run one after the other, alone: many tests time real runs (Locust's -t counts from a clock that
# is stale by its start-up time, so on a busy machine its short runs end before users run: seen
# with golden_locust beside a pip install, and with 3 pytest workers beside the compilers). For
# the same reason pytest runs its modules in one process unless ROCUST_PYTEST_WORKERS=N
# (pytest-xdist, each module whole on one worker); ROCUST_TEST_OVERLAP=1 runs pytest beside
# cargo test.
# Each lane writes its own log, printed whole when it ends; a line per step says when it starts and
# how long it took, and a table of every step's duration closes the run. The first failing lane
# stops the others (ROCUST_TEST_KEEP_GOING=1 lets them finish); ROCUST_TEST_SERIAL=1 runs every
# step one after another with its output live. Debug builds, but for the package (a user's
# `pip install .` is a release build). Every test dependency is required: a test that would skip
# for want of one fails instead (python/tests/testdeps.py). Exits non-zero when anything failed.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

# Tests that compare with real Locust find it here (an already exported value wins).
export ROCUST_LOCUST_VENV="${ROCUST_LOCUST_VENV:-$REPO_ROOT/.venv-locust}"
# The Python package (`pip install .`) and its test tools live here.
export ROCUST_VENV="${ROCUST_VENV:-$REPO_ROOT/.venv-rocust}"
# Missing test dependencies fail the run instead of skipping tests.
export ROCUST_REQUIRE_TEST_DEPS=1
# CI builds from a fresh clone, once: incremental caches and full debug info would only cost time
# (line tables keep file:line in backtraces). Not by hand, where they would rebuild a dev's target/.
case "${CI:-}" in
    "" | 0 | false) ;;
    *) export CARGO_INCREMENTAL=0 CARGO_PROFILE_DEV_DEBUG=line-tables-only ;;
esac
# pytest workers (pytest-xdist; 0: in one process).
export PYTEST_WORKERS="${ROCUST_PYTEST_WORKERS:-0}"

# Step durations, lane logs and the lanes' meeting points.
STATE="$(mktemp -d -t rocust-test.XXXXXX)"
export STATE

now() { date +%s.%N; }

# CPU seconds (user+sys) of this shell's finished children: with the wall time it shows whether a
# step waited or computed (and how much a busy machine stretched it).
# Sets CHILDREN_CPU (`times` must run in this shell, not in a $(...) subshell).
children_cpu() {
    local file="$STATE/cpu.$BASHPID"
    times >"$file"
    CHILDREN_CPU="$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); n += t[1] * 60 + t[2] } printf "%.0f", n }' "$file")"
}

# step LANE LABEL COMMAND...: runs COMMAND, records its duration, says so on fd 3 (the console).
step() {
    local lane="$1" label="$2" started cpu rc=0 took
    shift 2
    printf '==> [%s] %s\n' "$lane" "$label" >&3
    [[ "${ROCUST_TEST_SERIAL:-0}" == 1 ]] || printf '\n==> %s\n' "$label"
    started="$(now)"
    children_cpu
    cpu="$CHILDREN_CPU"
    "$@" || rc=$?
    took="$(awk -v a="$started" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }')"
    children_cpu
    cpu=$((CHILDREN_CPU - cpu))
    printf '%s\t%s\t%s\t%s\t%s\n' "$lane" "$label" "$took" "$cpu" \
        "$([[ $rc == 0 ]] && echo ok || echo FAILED)" >>"$STATE/times"
    if ((rc != 0)); then
        printf '==> [%s] FAILED: %s (exit %d after %ss)\n' "$lane" "$label" "$rc" "$took" >&3
        return "$rc"
    fi
    printf '==> [%s] %s: %ss (%ss CPU)\n' "$lane" "$label" "$took" "$cpu" >&3
}

# wait_for NAME...: waits until each lane milestone $STATE/NAME.ok exists; fails when another lane
# failed. One lane after another (ROCUST_TEST_SERIAL=1), the order alone is enough.
wait_for() {
    local name
    [[ "${ROCUST_TEST_SERIAL:-0}" == 1 ]] && return 0
    for name in "$@"; do
        while [[ ! -e "$STATE/$name.ok" ]]; do
            [[ -e "$STATE/failed" ]] && { echo "another lane failed" >&2; return 1; }
            sleep 1
        done
    done
}

reached() { touch "$STATE/$1.ok"; }

deps_lane() {
    step deps "install test dependencies" bash scripts/install-test-deps.sh
    reached deps
}

rust_lane() {
    step rust "cargo fmt --check" cargo fmt --all -- --check
    step rust "cargo clippy" cargo clippy --workspace --all-targets --locked -- -D warnings
    # Tests run other packages' binaries (target/debug/rocust-demo-target, target/debug/website).
    step rust "cargo build --workspace --bins" cargo build --workspace --bins --locked
    reached rust-bins
    step rust "cargo test --no-run (build the tests)" cargo test --workspace --locked --no-run
    reached rust-built
    step rust "wait for the wheel and the Locust venv" wait_for python-built deps
    step rust "cargo test" cargo test --workspace --locked
    reached rust-tested
}

python_lane() {
    # `pip install .` exactly as a user does it: the tests run the installed `rocust` command.
    step python "pip install . (the rocust Python package)" bash scripts/install-python-package.sh
    step python "mypy --strict python/rocust" "$ROCUST_VENV/bin/python" -m mypy --strict python/rocust
    # Checks exit codes and tables only, so it may share the machine with the compilers; it needs
    # the debug demo target from the rust lane.
    step python "wait for the Rust binaries" wait_for rust-bins
    step python "CPython 3.9 and 3.13: the wheel and the classic locustfile" \
        bash scripts/check-python-versions.sh
    reached python-built
    step python "wait for the Rust builds" wait_for rust-built
    if [[ "${ROCUST_TEST_OVERLAP:-0}" == 1 ]]; then
        step python "wait for the Locust venv" wait_for deps
    else
        step python "wait for cargo test" wait_for deps rust-tested
    fi
    # The comparison tests run the same locustfiles under real Locust with this interpreter.
    step python "pytest python/tests" env LOCUST_PYTHON="$ROCUST_LOCUST_VENV/bin/python" \
        ROCUST_CMD="$ROCUST_VENV/bin/rocust" "$ROCUST_VENV/bin/python" -m pytest -q \
        -n "$PYTEST_WORKERS" --dist loadscope -p no:cacheprovider python/tests
}

print_times() {
    local total
    total="$(awk -v a="$STARTED" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }')"
    echo
    echo "==> step durations (lanes run side by side; CPU = user+sys of the step's processes)"
    printf '    %-7s %-62s %7s %7s\n' lane step wall CPU
    awk -F'\t' '{ printf "    %-7s %-62s %6ss %6ss  %s\n", $1, $2, $3, $4, $5 }' "$STATE/times" 2>/dev/null || true
    printf '    %-70s %6ss\n' "whole run" "$total"
}

# The closing count over every test runner (cargo test binaries and pytest).
print_counts() {
    cat "$STATE"/*.log 2>/dev/null | awk '
        /^test result: / { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed;/) p += $(i - 1); if ($(i) ~ /^failed;/) f += $(i - 1) } }
        /^[0-9]+ (passed|failed).* in [0-9.]+s/ {
            for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed/) p += $(i - 1); if ($(i) ~ /^(failed|errors?)/) f += $(i - 1) } }
        END { printf "tests: %d passed, %d failed\n", p, f }'
}

STARTED="$(now)"
exec 3>&2
LANE_PIDS=()
stop_lanes() {
    local pid
    for pid in "${LANE_PIDS[@]}"; do
        kill -TERM -- "-$pid" 2>/dev/null || true
    done
}
cleanup() {
    stop_lanes
    rm -rf "$STATE"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ "${ROCUST_TEST_SERIAL:-0}" == 1 ]]; then
    rc=0
    { deps_lane && rust_lane && python_lane; } 2>&1 | tee "$STATE/serial.log" || rc=$?
    print_times
    print_counts
    ((rc == 0)) || { echo "==> FAILED" >&2; exit 1; }
    echo "==> all checks passed"
    exit 0
fi

# Each lane in its own process group, so a failure elsewhere can stop all of it.
declare -A LANE_OF
for lane in deps rust python; do
    setsid bash -c "$(declare -f now children_cpu step wait_for reached "${lane}_lane"); set -euo pipefail; ${lane}_lane" \
        >"$STATE/$lane.log" 2>&1 &
    LANE_PIDS+=("$!")
    LANE_OF[$!]="$lane"
done

failed=""
running=("${LANE_PIDS[@]}")
while ((${#running[@]} > 0)); do
    rc=0
    done_pid=""
    wait -n -p done_pid "${running[@]}" || rc=$?
    [[ -n "$done_pid" ]] || { echo "==> lost track of the lanes (wait: exit $rc)" >&2; failed="${failed:-wait}"; break; }
    still=()
    for pid in "${running[@]}"; do
        [[ "$pid" == "$done_pid" ]] || still+=("$pid")
    done
    running=("${still[@]}")
    lane="${LANE_OF[$done_pid]}"
    echo
    echo "==> log of the $lane lane ($([[ $rc == 0 ]] && echo passed || echo "FAILED, exit $rc"))"
    cat "$STATE/$lane.log"
    if ((rc != 0)) && [[ -z "$failed" ]]; then
        failed="$lane"
        touch "$STATE/failed"
        if [[ "${ROCUST_TEST_KEEP_GOING:-0}" != 1 ]]; then
            echo "==> stopping the other lanes (ROCUST_TEST_KEEP_GOING=1 lets them finish)" >&2
            stop_lanes
        fi
    fi
done
LANE_PIDS=()

print_times
print_counts
if [[ -n "$failed" ]]; then
    echo "==> FAILED: the $failed lane (its log is above)" >&2
    exit 1
fi
echo "==> all checks passed"
