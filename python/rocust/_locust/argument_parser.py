"""``locust.argument_parser``: the parser that ``init_command_line_parser`` listeners get,
and Locust's helpers that find the locustfiles (``parse_locustfile_option``,
``get_locustfiles_locally``, ``parse_locustfile_paths``) and check option values
(``timespan``, ``positive_integer``, ``gt_zero``, ``json_user_config``).

The command line itself is parsed by the Rust CLI. Custom options declared by a
locustfile cannot be known in Rust, so the engine gives the listeners a
LocustArgumentParser, parses the arguments Rust did not recognise with it, and merges
the result into ``environment.parsed_options``. ``describe_custom_options`` tells the
engine what was declared (for ``--help`` and for config-file/env-var lookup).

Listeners may pass Locust's extra keywords: ``env_var`` (configargparse), and the web UI
flags ``include_in_web_ui``, ``is_secret``, ``is_required``, ``is_multiple``; they are
kept on the returned action.
"""

from __future__ import annotations

import argparse
import ast
import atexit
import json
import math
import os
import sys
import tempfile
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple, Type, TypeVar
from urllib.parse import urlparse

from .util.directory import get_abspaths_in
from .util.timespan import parse_timespan
from .util.url import is_url

__all__ = [
    "DEFAULT_CONFIG_FILES",
    "LocustArgumentParser",
    "describe_custom_options",
    "download_locustfile_from_url",
    "get_locustfiles_locally",
    "gt_zero",
    "json_user_config",
    "parse_locustfile_option",
    "parse_locustfile_paths",
    "parse_locustfiles_from_master",
    "positive_integer",
    "raise_argument_type_error",
    "timespan",
]

#: Config files read in this order (later ones win), then ``--config``.
DEFAULT_CONFIG_FILES = ("~/.locust.conf", "locust.conf", "pyproject.toml")

#: Keywords argparse does not know, with their defaults.
_EXTRA_KEYWORDS: Dict[str, Any] = {
    "env_var": None,
    "include_in_web_ui": True,
    "is_secret": False,
    "is_required": False,
    "is_multiple": False,
}

_TRUE_WORDS = ("true", "yes", "1", "on")


class _ExtraKeywords:
    """Strips Locust's extra keywords before argparse sees them, then sets them on
    the new action."""

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        extras = {name: kwargs.pop(name, default) for name, default in _EXTRA_KEYWORDS.items()}
        action: argparse.Action = super().add_argument(*args, **kwargs)  # type: ignore[misc]
        for name, value in extras.items():
            setattr(action, name, value)
        return action


class _ArgumentGroup(_ExtraKeywords, argparse._ArgumentGroup):
    pass


class LocustArgumentParser(_ExtraKeywords, argparse.ArgumentParser):
    """argparse with Locust's extra keywords; environment variables named by
    ``env_var`` supply values not given on the command line."""

    def add_argument_group(self, *args: Any, **kwargs: Any) -> argparse._ArgumentGroup:
        group = _ArgumentGroup(self, *args, **kwargs)
        self._action_groups.append(group)
        return group

    def parse_known_args(  # type: ignore[override]
        self, args: Optional[Sequence[str]] = None, namespace: Optional[argparse.Namespace] = None
    ) -> Tuple[argparse.Namespace, List[str]]:
        for action in self._actions:
            env_var = getattr(action, "env_var", None)
            if env_var and env_var in os.environ:
                raw = os.environ[env_var]
                if action.nargs == 0:
                    # Flags (store_true and the like) take a truth word from the environment.
                    truthy = raw.strip().lower() in _TRUE_WORDS
                    action.default = truthy if action.const is True or action.const is None else action.const
                else:
                    action.default = raw
        return super().parse_known_args(args, namespace)

    @property
    def args_included_in_web_ui(self) -> Dict[str, argparse.Action]:
        return {a.dest: a for a in self._actions if getattr(a, "include_in_web_ui", False)}


def describe_custom_options(parser: argparse.ArgumentParser) -> List[Dict[str, Any]]:
    """The options of ``parser`` as plain data (help excluded), for the engine."""
    described: List[Dict[str, Any]] = []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        described.append(
            {
                "dest": action.dest,
                "option_strings": list(action.option_strings),
                "default": action.default,
                "help": action.help,
                "takes_value": action.nargs != 0,
                "nargs": action.nargs,
                "append": isinstance(action, argparse._AppendAction),
                "metavar": _metavar(action),
                "choices": list(action.choices) if action.choices is not None else None,
                "env_var": getattr(action, "env_var", None),
                "include_in_web_ui": getattr(action, "include_in_web_ui", True),
                "is_secret": getattr(action, "is_secret", False),
            }
        )
    return described


def web_ui_extra_options(parser: argparse.ArgumentParser, options: argparse.Namespace) -> Dict[str, Dict[str, Any]]:
    """Locust's ``ui_extra_args_dict``: the locustfile's options shown in the web UI's
    start form, with their current values. ``parser`` holds only the locustfile's own
    options (the engine parses Locust's)."""
    extra: Dict[str, Dict[str, Any]] = {}
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction) or not getattr(action, "include_in_web_ui", True):
            continue
        extra[action.dest] = {
            "choices": list(action.choices) if action.choices is not None else None,
            "default_value": getattr(options, action.dest, action.default),
            "help_text": action.help,
            "is_multiple": bool(getattr(action, "is_multiple", False)),
            "is_required": bool(getattr(action, "is_required", False)),
            "is_secret": bool(getattr(action, "is_secret", False)),
        }
    return extra


def coerce_web_ui_values(
    options: argparse.Namespace, form: List[Tuple[str, str]]
) -> Tuple[Dict[str, Any], Optional[str]]:
    """The values the web UI's ``/swarm`` form gives existing options, converted to
    the type of the current value as Locust does (bool: ``"true"``; None: the text;
    list: split on commas or the repeated key, as ints when the current items are ints;
    else ``type(current)(text)``). Nothing is set: the second item is the message of the
    first value that does not convert (Locust answers those with a plain-text 500)."""
    current = vars(options)
    values: Dict[str, Any] = {}
    seen: Set[str] = set()
    for key, text in form:
        if key in seen or key not in current:
            continue
        seen.add(key)
        now = current[key]
        try:
            if isinstance(now, bool):
                values[key] = text == "true"
            elif now is None:
                values[key] = text
            elif isinstance(now, list):
                items = text.split(",") if "," in text else [v for k, v in form if k == key]
                values[key] = [int(x) for x in items] if all(isinstance(x, int) for x in now) else items
            else:
                values[key] = type(now)(text)
        except (TypeError, ValueError) as e:
            return {}, f"Invalid value for {key}: {text!r} ({e})"
    return values, None


def _metavar(action: argparse.Action) -> Optional[str]:
    """What ``--help`` shows after the option: the metavar, or ``{a,b}`` for choices."""
    if isinstance(action.metavar, str):
        return action.metavar
    if action.choices is not None:
        return "{" + ",".join(str(c) for c in action.choices) + "}"
    return None


# -- finding the locustfiles -------------------------------------------------------


def parse_locustfile_option(args: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """The options needed before any locustfile is imported: ``locustfile`` (from
    ``-f``, the environment or a config file, as the full command line would give
    it), ``help``/``version`` (which print and exit here, as in Locust) and the
    worker's ``worker``, ``master``, ``master_host`` and ``master_port``."""
    from .._run import locustfile_option

    argv = list(sys.argv[1:] if args is None else args)
    parser = LocustArgumentParser(add_help=False)
    parser.add_argument("-f", "--locustfile", default="locustfile.py")
    parser.add_argument("--config")
    parser.add_argument("-h", "--help", action="store_true", default=False)
    parser.add_argument("--version", "-V", action="store_true", default=False)
    parser.add_argument("--worker", action="store_true", env_var="LOCUST_MODE_WORKER")
    parser.add_argument("--master", action="store_true", env_var="LOCUST_MODE_MASTER")
    parser.add_argument("--master-host", default="127.0.0.1", env_var="LOCUST_MASTER_NODE_HOST")
    parser.add_argument("--master-port", type=int, default=5557, env_var="LOCUST_MASTER_NODE_PORT")
    options, _unknown = parser.parse_known_args(argv)
    if options.help or options.version:
        from .. import _engine

        code = _engine.parse_args(["rocust", *argv])
        sys.exit(code if isinstance(code, int) else 0)
    options.locustfile = locustfile_option(["rocust", *argv])
    return options


def get_locustfiles_locally(options: argparse.Namespace) -> List[str]:
    """The paths ``options.locustfile`` names: comma-separated files, directories or
    URLs (``-`` means "from the master", for a worker)."""
    if options.locustfile == "-":
        return retrieve_locustfiles_from_master(options)
    return parse_locustfile_paths([f.strip() for f in options.locustfile.split(",")])


def parse_locustfile_paths(paths: List[str]) -> List[str]:
    """Absolute paths of the locustfiles: a ``.py`` file as is, a directory as every
    ``.py`` file under it (names starting with "_" left out), a URL downloaded to a
    temporary file (removed at exit). Exits 1 with Locust's message for anything else."""
    return [parsed for path in paths for parsed in _parse_locustfile_path(path)]


def _parse_locustfile_path(path: str) -> List[str]:
    if is_url(path):
        return [download_locustfile_from_url(path)]
    if os.path.isdir(path):
        found = get_abspaths_in(path, extension=".py")
        if not found:
            sys.stderr.write(f"Could not find any locustfiles in directory '{path}'")
            sys.exit(1)
        return found
    if os.path.exists(path) and path.endswith(".py"):
        return [os.path.abspath(path)]
    sys.stderr.write(
        f"Could not find '{path}'. Ensure your locustfile ends with '.py' or is a directory with locustfiles. "
        "See --help for available options.\n"
    )
    sys.exit(1)


def download_locustfile_from_url(url: str) -> str:
    """Saves the Python file at ``url`` in the temporary directory (under its own
    name) and returns the path; exits 1 when it cannot be fetched or is not Python."""
    import requests

    try:
        response = requests.get(url)
    except requests.exceptions.RequestException as e:
        sys.stderr.write(f"Failed to get locustfile from: {url}. Exception: {e}")
        sys.exit(1)
    try:
        ast.parse(response.text)
    except SyntaxError:
        sys.stderr.write(
            f"Failed to get locustfile from: {url}. Response was not valid python code: '{response.text[:100]}'"
        )
        sys.exit(1)
    path = os.path.join(tempfile.gettempdir(), urlparse(url).path.split("/")[-1])
    with open(path, "w") as locustfile:
        locustfile.write(response.text)
    atexit.register(exit_handler, path)
    return path


def exit_handler(filename: str) -> None:
    """Removes a downloaded locustfile (another process may have done it already)."""
    try:
        os.remove(filename)
    except (FileNotFoundError, PermissionError):
        pass


def parse_locustfiles_from_master(locustfile_sources: List[Any]) -> List[str]:
    """A master's locustfiles as a worker gets them: ``{"filename", "contents"}``
    entries are written to the temporary directory, other entries are paths."""
    paths: List[str] = []
    for source in locustfile_sources:
        if "contents" in source:
            path = os.path.join(tempfile.gettempdir(), source["filename"])
            with open(path, "w", encoding="utf-8") as locustfile:
                locustfile.write(source["contents"])
            paths.append(path)
        else:
            paths.append(source)
    return paths


def retrieve_locustfiles_from_master(options: argparse.Namespace) -> List[str]:
    """``-f -``: a worker asks its master for the locustfiles and writes them to the
    temporary directory, as Locust does."""
    if not options.worker:
        sys.stderr.write(
            "locustfile was set to '-' (meaning to download from master) but --worker was not specified.\n"
        )
        sys.exit(1)
    from rocust._engine import download_locustfiles

    try:
        sources = download_locustfiles(options.master_host, options.master_port)
    except RuntimeError as e:
        sys.stderr.write(f"{e}\n")
        sys.exit(1)
    return parse_locustfiles_from_master(
        [{"filename": s[0], "contents": s[1]} if isinstance(s, tuple) else s for s in sources]
    )


# -- option types --------------------------------------------------------------------

A = TypeVar("A", int, float)


def raise_argument_type_error(err_msg: str) -> Type[argparse.Action]:
    """An argparse action that refuses the option with ``err_msg`` (for options that
    were removed and should say what replaced them)."""

    class ErrorRaisingAction(argparse.Action):
        def __call__(self, parser: Any, namespace: Any, values: Any, option_string: Optional[str] = None) -> None:
            raise argparse.ArgumentError(self, err_msg)

    return ErrorRaisingAction


def timespan(time_str: str) -> int:
    """An option type for durations like ``1h30m``: seconds."""
    try:
        return parse_timespan(time_str)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def positive_integer(string: str) -> int:
    try:
        value = int(string)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: '{string}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"Invalid --expect-workers argument ({value}), must be a positive number")
    return value


def gt_zero(t: Callable[[str], A]) -> Callable[[str], A]:
    """An option type: ``t`` of the value, finite and above 0."""

    def checker(value: str) -> A:
        v = t(value)
        if not math.isfinite(v):
            raise argparse.ArgumentTypeError("must be a finite number")
        if v <= 0:
            raise argparse.ArgumentTypeError("must be > 0")
        return v

    return checker


def json_user_config(string: str) -> List[Dict[str, Any]]:
    """``--config-users``: a JSON object or list of objects (inline or a .json file
    name), each naming its ``user_class_name``."""
    try:
        if string.endswith(".json"):
            with open(string) as file:
                config = json.load(file)
        else:
            config = json.loads(string)
    except json.decoder.JSONDecodeError as e:
        raise argparse.ArgumentTypeError(
            f"The --config-users argument must be a valid JSON string or file: {e}"
        ) from None
    except FileNotFoundError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    configs = config if isinstance(config, list) else [config]
    for entry in configs:
        if "user_class_name" not in entry:
            raise argparse.ArgumentTypeError("The user config must specify a user_class_name")
    return configs
