# What the scripts share about Python. Source this file; needs bash.
#   LOCUST_VERSION            the reference Locust the tests compare with
#   CHECKED_PYTHONS           the oldest and newest CPython the package claims (pyproject: >=3.9, abi3)
#   find_python VERSION       prints the path of a CPython VERSION (e.g. 3.9) or fails, saying where it
#                             looked: pyenv's versions, then pythonVERSION on PATH, then `pyenv install`

LOCUST_VERSION=2.47.0
CHECKED_PYTHONS=(3.9 3.13)

# True when PYTHON runs and is CPython VERSION with venv support.
_python_is() {
    local python="$1" version="$2"
    [[ -x "$python" ]] || return 1
    [[ "$("$python" -c 'import sys, venv, ensurepip; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" == "$version" ]]
}

_pyenv_candidates() {
    local version="$1" root
    for root in "${PYENV_ROOT:-}" "$(pyenv root 2>/dev/null || true)" "$HOME/.pyenv"; do
        [[ -n "$root" && -d "$root/versions" ]] || continue
        # Newest patch release first (3.9.18 before 3.9.2).
        find "$root/versions" -mindepth 1 -maxdepth 1 -name "$version.*" -printf '%f\n' 2>/dev/null \
            | grep -E "^$version\.[0-9]+$" | sort -t. -k3,3nr | sed "s|^|$root/versions/|; s|\$|/bin/python$version|"
    done
}

_find_python_once() {
    local version="$1" python
    while IFS= read -r python; do
        _python_is "$python" "$version" && { echo "$python"; return 0; }
    done < <(_pyenv_candidates "$version")
    python="$(command -v "python$version" 2>/dev/null || true)"
    _python_is "$python" "$version" && { echo "$python"; return 0; }
    return 1
}

find_python() {
    local version="$1"
    _find_python_once "$version" && return 0
    if command -v pyenv >/dev/null 2>&1; then
        echo "find_python: no CPython $version found; trying: pyenv install --skip-existing $version" >&2
        if pyenv install --skip-existing "$version" >&2; then
            _find_python_once "$version" && return 0
        fi
    fi
    echo "find_python: error: no CPython $version with venv support: looked in pyenv's versions" \
        "(${PYENV_ROOT:-$HOME/.pyenv}/versions/$version.*) and for python$version on PATH;" \
        "$(command -v pyenv >/dev/null 2>&1 && echo 'pyenv install failed' || echo 'pyenv is not installed')." \
        "Install CPython $version (pyenv install $version) and run again." >&2
    return 1
}
