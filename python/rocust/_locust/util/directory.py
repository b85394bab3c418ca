"""``locust.util.directory``: the files ``-f some_directory`` means."""

from __future__ import annotations

import os
from typing import List, Optional

__all__ = ["get_abspaths_in"]


def get_abspaths_in(path: str, extension: Optional[str] = None) -> List[str]:
    """Absolute paths of the files under ``path`` (recursively) ending with
    ``extension`` (any when None), leaving out names that start with "_"."""
    found: List[str] = []
    for root, _dirs, names in os.walk(path):
        for name in names:
            full = os.path.join(root, name)
            if name.startswith("_") or not os.path.isfile(full):
                continue
            if extension is None or name.endswith(extension):
                found.append(os.path.abspath(full))
    return found
