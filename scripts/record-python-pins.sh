#!/usr/bin/env bash
# Records the exact Python packages the tests run with, from fresh venvs that work, into
# scripts/requirements/ (commit the result):
#   constraints.txt         .venv-rocust: test.txt's tools, the rocust package's dependencies, and
#                           maturin for `pip install .` (pip applies PIP_CONSTRAINT inside the
#                           isolated build too)
#   locust-constraints.txt  .venv-locust: Locust 2.47.0, the protocol clients of protocols.txt (both
#                           venvs get them: test.txt includes it) and everything they pull in
#   py3.9.txt, py3.13.txt   the venvs of scripts/check-python-versions.sh (the wheel's dependencies
#                           on the oldest and newest Python the package claims)
# Run it to move to newer versions on purpose, then run the tests: two runs of the test command a
# month apart otherwise install the very same packages.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
# shellcheck source=lib/pythons.sh
source scripts/lib/pythons.sh
OUT=scripts/requirements
TMP="$(mktemp -d -t rocust-pins.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT
pip_q=(--quiet --disable-pip-version-check)
unset PIP_CONSTRAINT

freeze() { # VENV TITLE -> stdout: a header and `pip freeze` without pip/setuptools
    echo "# $2"
    echo "# Recorded by scripts/record-python-pins.sh from a fresh venv ($("$1/bin/python" -V)); do not edit."
    "$1/bin/python" -m pip freeze --disable-pip-version-check | grep -v -E '^(pip|setuptools|rocust)( @|==)' | LC_ALL=C sort -f
}

echo "record-python-pins: .venv-rocust's packages" >&2
python3 -m venv "$TMP/rocust"
"$TMP/rocust/bin/python" -m pip install "${pip_q[@]}" -r "$OUT/test.txt"
# The package's own dependencies, without building it (pyproject's [project] dependencies).
mapfile -t deps < <("$TMP/rocust/bin/python" - <<'PY'
import re
text = open("pyproject.toml", encoding="utf-8").read()
block = re.search(r"^dependencies\s*=\s*\[(.*?)\]", text, re.S | re.M)
for dep in re.findall(r'"([^"]+)"', block.group(1) if block else ""):
    print(dep)
PY
)
((${#deps[@]} == 0)) || "$TMP/rocust/bin/python" -m pip install "${pip_q[@]}" "${deps[@]}"
freeze "$TMP/rocust" "Constraints for .venv-rocust (test tools, rocust's dependencies, maturin)." >"$OUT/constraints.txt"

echo "record-python-pins: .venv-locust's packages" >&2
python3 -m venv "$TMP/locust"
"$TMP/locust/bin/python" -m pip install "${pip_q[@]}" "locust==$LOCUST_VERSION" -r "$OUT/protocols.txt"
freeze "$TMP/locust" "Constraints for .venv-locust (Locust $LOCUST_VERSION, the reference)." >"$OUT/locust-constraints.txt"

# The scenarios compare greenlet scheduling exactly: both venvs need the same gevent and greenlet.
for pkg in gevent greenlet; do
    a="$(grep -i "^$pkg==" "$OUT/constraints.txt" || true)"
    b="$(grep -i "^$pkg==" "$OUT/locust-constraints.txt" || true)"
    [[ "$a" == "$b" ]] || { echo "record-python-pins: error: $pkg differs: '$a' vs '$b'" >&2; exit 1; }
done

for version in "${CHECKED_PYTHONS[@]}"; do
    echo "record-python-pins: the wheel's dependencies on Python $version" >&2
    python="$(find_python "$version")"
    "$python" -m venv "$TMP/py$version"
    # --prefer-binary: what a user gets without a compiler (gevent has no newer wheel for 3.9).
    ((${#deps[@]} == 0)) || "$TMP/py$version/bin/python" -m pip install "${pip_q[@]}" --prefer-binary "${deps[@]}"
    freeze "$TMP/py$version" "Constraints for the Python $version check (scripts/check-python-versions.sh)." >"$OUT/py$version.txt"
done
echo "record-python-pins: wrote $OUT/{constraints,locust-constraints,py*}.txt" >&2
