"""``locust.argument_parser``: the parser that ``init_command_line_parser`` listeners get.

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
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple

__all__ = ["LocustArgumentParser", "describe_custom_options"]

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


def _metavar(action: argparse.Action) -> Optional[str]:
    """What ``--help`` shows after the option: the metavar, or ``{a,b}`` for choices."""
    if isinstance(action.metavar, str):
        return action.metavar
    if action.choices is not None:
        return "{" + ",".join(str(c) for c in action.choices) + "}"
    return None
