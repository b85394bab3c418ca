#!/usr/bin/env bash
# The package claims CPython >= 3.9 with one abi3 wheel: try that very wheel on the oldest and the
# newest CPython it claims (CHECKED_PYTHONS in scripts/lib/pythons.sh: 3.9 and 3.13). For each: a
# fresh venv, `pip install` the wheel (its dependencies pinned by scripts/requirements/pyX.Y.txt),
# then Locust's classic locustfile (examples/locustfile.py) headless for a few seconds against the
# demo target, checking the exit code (0) and the console tables.
#
#   bash scripts/check-python-versions.sh            (builds the wheel if target/wheels has none)
#
# Environment: ROCUST_WHEEL (the wheel to try; default the one in target/wheels, built by
# scripts/install-python-package.sh), ROCUST_DEMO_TARGET_BIN (default target/debug/rocust-demo-target,
# built when missing), CHECK_RUN_TIME (6s). The Pythons come from pyenv or PATH; a missing one is
# installed with pyenv if possible, else the script fails saying so (scripts/lib/pythons.sh).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
# shellcheck source=lib/pythons.sh
source scripts/lib/pythons.sh
# shellcheck source=lib/demo-target.sh
source scripts/lib/demo-target.sh

RUN_TIME="${CHECK_RUN_TIME:-6s}"
TARGET_BIN="${ROCUST_DEMO_TARGET_BIN:-target/debug/rocust-demo-target}"
unset PIP_CONSTRAINT

log() { echo "check-python-versions: $*" >&2; }
die() { log "error: $*"; exit 1; }

wheel="${ROCUST_WHEEL:-}"
if [[ -z "$wheel" ]]; then
    shopt -s nullglob
    wheels=(target/wheels/rocust-*.whl)
    shopt -u nullglob
    if ((${#wheels[@]} == 0)); then
        log "no wheel in target/wheels: building it (scripts/install-python-package.sh)"
        bash scripts/install-python-package.sh
        wheels=(target/wheels/rocust-*.whl)
    fi
    wheel="${wheels[0]}"
fi
[[ -f "$wheel" ]] || die "wheel $wheel not found"
case "$(basename "$wheel")" in
    *-cp39-abi3-*.whl) ;;
    *) die "$(basename "$wheel") is not a cp39-abi3 wheel: it cannot serve every CPython >= 3.9" ;;
esac
if [[ ! -x "$TARGET_BIN" ]]; then
    log "building the demo target"
    cargo build --locked -p rocust-demo-target
fi

WORK="$(mktemp -d -t rocust-pycheck.XXXXXX)"
cleanup() {
    stop_demo_target
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Find every interpreter first: a missing one fails before any work.
declare -A PYTHON
for version in "${CHECKED_PYTHONS[@]}"; do
    PYTHON[$version]="$(find_python "$version")" || die "CPython $version is needed to check the package on it"
done

start_demo_target "$TARGET_BIN"

check_one() { # VERSION
    local version="$1" venv="$WORK/py$1" out="$WORK/py$1.out" err="$WORK/py$1.err" rc=0 problems=()
    log "CPython $version (${PYTHON[$version]}): venv, pip install $(basename "$wheel")"
    "${PYTHON[$version]}" -m venv "$venv" || die "venv on CPython $version failed"
    local pins=(-c "scripts/requirements/py$version.txt")
    [[ -f "scripts/requirements/py$version.txt" ]] || pins=()
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${pins[@]}" "$wheel" \
        || die "pip install $(basename "$wheel") on CPython $version failed"
    log "CPython $version: rocust -f examples/locustfile.py --headless -u 10 -r 10 -t $RUN_TIME"
    timeout 120 "$venv/bin/rocust" -f examples/locustfile.py --headless -u 10 -r 10 -t "$RUN_TIME" \
        -H "$DEMO_TARGET_URL" >"$out" 2>"$err" || rc=$?
    ((rc == 0)) || problems+=("exit code $rc, expected 0")
    # The final console tables, as Locust prints them, on stdout or stderr.
    local both
    both="$(cat "$out" "$err")"
    local want
    for want in "Type     Name" "POST     /login" "GET      /" "Aggregated" \
        "Response time percentiles (approximated)"; do
        grep -qF -- "$want" <<<"$both" || problems+=("no '$want' in the output")
    done
    grep -q "Traceback" <<<"$both" && problems+=("a traceback was printed")
    # The final stats table's total: requests were made and none failed (the demo target answers
    # every request of the classic locustfile).
    local total
    total="$(grep -E '^ +Aggregated +[0-9]+ +[0-9]+\(' <<<"$both" | tail -n 1)"
    grep -qE '^ +Aggregated +[1-9][0-9]* +0\(0\.00%\)' <<<"$total" \
        || problems+=("the final Aggregated row shows no request or some failures: '$total'")
    if ((${#problems[@]})); then
        log "CPython $version: FAILED: ${problems[*]}"
        echo "--- stdout" >&2
        cat "$out" >&2
        echo "--- stderr" >&2
        cat "$err" >&2
        return 1
    fi
    log "CPython $version: ok ($(tr -s ' ' <<<"$total"))"
}

failed=0
for version in "${CHECKED_PYTHONS[@]}"; do
    check_one "$version" || failed=1
done
((failed == 0)) || die "the package does not work on every CPython it claims (${CHECKED_PYTHONS[*]})"
log "the wheel works on CPython ${CHECKED_PYTHONS[*]}"
