"""Locust's ``parse_options``: the built-in options parsed by the engine (command line >
``LOCUST_*`` environment variables > config files), the locustfile's own
``init_command_line_parser`` options by argparse. Used by ``rocust -f`` and by
``run_single_user`` (``python locustfile.py --host ...``)."""

from __future__ import annotations

import argparse
from typing import Any, Dict, List, NamedTuple, Union

from . import _engine


class Parsed(NamedTuple):
    options: argparse.Namespace
    engine_options: _engine.ParsedOptions
    #: The locustfile's options shown in the web UI's start form (Locust's
    #: ``ui_extra_args_dict``).
    web_ui_options: Dict[str, Dict[str, Any]]


def parse_options(args: List[str], prog: str = "rocust") -> Union[Parsed, int]:
    """``args`` with the program name first. An int is the exit code of a usage error,
    ``--help`` or ``--version`` (already printed)."""
    from ._locust import events
    from ._locust.argument_parser import LocustArgumentParser, describe_custom_options, web_ui_extra_options

    parser = LocustArgumentParser(prog=prog, add_help=False)
    events.init_command_line_parser.fire(parser=parser)
    custom = [a for a in describe_custom_options(parser) if a["option_strings"]]
    parsed = _engine.parse_args(args, custom)
    if isinstance(parsed, int):
        return parsed
    options = argparse.Namespace(**parsed.namespace())
    if custom:
        # The engine already applied config files and env_var= values (custom_args is in
        # precedence order), so plain argparse parses it; LocustArgumentParser would read
        # the environment a second time.
        custom_values, _rest = argparse.ArgumentParser.parse_known_args(parser, list(parsed.custom_args))
        for name, value in vars(custom_values).items():
            setattr(options, name, value)
    options.locustfile = parsed.locustfile
    return Parsed(options, parsed, web_ui_extra_options(parser, options))
