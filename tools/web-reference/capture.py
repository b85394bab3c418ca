"""Writes python/tests/web/golden/locust_2_47_api.json from real Locust 2.47.0's web HTTP API.

    .venv-locust/bin/python tools/web-reference/capture.py [--check] [--only SCENARIO ...]

The output is generated: do not edit it by hand, run this again. Runs about a minute: it starts
Locust (never --headless) once per scenario on 127.0.0.1, with the locustfiles beside this
script and a loopback load target, and performs the call sequences of
python/tests/web/api_calls.py (the same sequences python/tests/test_web_api.py replays against
rocust). Running it twice must give the same file: every value that depends on timing, ports or
the clock is normalized there. --check compares with the file instead of writing it.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

sys.dont_write_bytecode = True  # no __pycache__ in python/tests/web from this run
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python" / "tests"))

from web import api_calls  # noqa: E402 - needs the path above

EXPECTED_VERSION = "2.47.0"


def locust_version() -> str:
    """The version of the Locust installed beside this interpreter ("" when there is none)."""
    try:
        return importlib.metadata.version("locust")
    except importlib.metadata.PackageNotFoundError:
        return ""


def render(results: Dict[str, Any]) -> str:
    document: Dict[str, Any] = {
        "_generated": "by tools/web-reference/capture.py from real Locust; do not edit by hand",
        "format": api_calls.FORMAT,
        "locust_version": locust_version(),
        "scenarios": results,
    }
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with the golden file instead of writing it")
    parser.add_argument(
        "--only", nargs="+", metavar="SCENARIO", help="run only these scenarios (prints, writes nothing)"
    )
    parser.add_argument("--output", type=Path, default=api_calls.GOLDEN)
    options = parser.parse_args(argv)
    if locust_version() != EXPECTED_VERSION:
        print(f"this is Locust {locust_version()}, the reference is {EXPECTED_VERSION}", file=sys.stderr)
        return 2
    command = [sys.executable, "-m", "locust"]
    results = api_calls.capture_all(command, only=options.only)
    text = render(results)
    if options.only:
        sys.stdout.write(text)
        return 0
    if options.check:
        old = options.output.read_text() if options.output.exists() else ""
        if old != text:
            print(f"{options.output} differs from what Locust {EXPECTED_VERSION} answers now", file=sys.stderr)
            return 1
        print(f"{options.output} is current")
        return 0
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(text)
    print(f"wrote {options.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
