"""The ``rocust`` console script: ``rocust -f locustfile.py [Locust options]``.

Help and version come before any import; then gevent's monkey patching, and the run
itself (``_main``, in the order of Locust's ``main()``).
"""

from __future__ import annotations

import os
import sys
from typing import Any, List, Optional, Sequence

_HELP_OR_VERSION = ("-h", "--help", "-V", "--version")


def main(argv: Optional[Sequence[str]] = None) -> None:
    """The console script: never returns (the process exits with the run's code)."""
    args = list(sys.argv if argv is None else argv)
    args[0] = "rocust"
    from . import _engine

    if any(a in _HELP_OR_VERSION for a in args[1:]):
        # Like Locust: help and version come before any locustfile is imported.
        parsed = _engine.parse_args(args)
        sys.exit(parsed if isinstance(parsed, int) else 0)

    from gevent import monkey

    monkey.patch_all()
    from ._main import run_session

    sys.exit(run_session(args))


def locustfile_option(args: List[str]) -> str:
    """``-f/--locustfile`` before the full parse (which needs the locustfile's custom
    options): resolved in Rust from the command line, ``LOCUST_LOCUSTFILE`` and the config
    files with the full parse's precedence. Exits on a usage error (already printed)."""
    from . import _engine

    option = _engine.locustfile_option(args)
    if isinstance(option, int):
        sys.exit(option)
    return option


def _exit_on_import_error(path: str, error: BaseException) -> None:
    """A locustfile that does not import: its traceback (file and line) and exit 1."""
    import traceback

    frames: Any = traceback.extract_tb(error.__traceback__)
    # Drop rocust's own frames: the user wants to see their file.
    own = os.path.dirname(os.path.abspath(__file__))
    shown = [f for f in frames if not os.path.abspath(f.filename).startswith(own + os.sep)]
    sys.stderr.write("Traceback (most recent call last):\n")
    sys.stderr.write("".join(traceback.format_list(shown)))
    sys.stderr.write("".join(traceback.format_exception_only(type(error), error)))
    sys.stderr.write(f"Could not load the locustfile {path}\n")
    sys.exit(1)


if __name__ == "__main__":
    main()
