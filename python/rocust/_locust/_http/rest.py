"""``rest()`` and ``rest_()``: JSON requests with failures for bad JSON and for
errors in the with-block, for users with an HTTP ``client``."""

from __future__ import annotations

import json as _json
import re
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from . import CLIENTS, present_as


class RestMixin:
    """``rest`` and ``rest_`` for users with an HTTP ``client`` (HttpUser, FastHttpUser)."""

    _callstack_regex = re.compile(r'  File "(\/.[^"]*)", line (\d*),(.*)')
    client: Any

    @contextmanager
    def rest(self, method: str, url: str, headers: dict[str, Any] | None = None, **kwargs: Any) -> Iterator[Any]:
        """A catch_response request with JSON headers whose parsed body is ``resp.js``;
        invalid JSON and exceptions raised in the with-block become failures."""
        headers = dict(headers) if headers else {}
        if not ("Content-Type" in headers or "content-type" in headers):
            headers["Content-Type"] = "application/json"
        if not ("Accept" in headers or "accept" in headers):
            headers["Accept"] = "application/json"
        with self.client.request(method, url, catch_response=True, headers=headers, **kwargs) as resp:
            resp.js = None
            if resp.content is None:
                resp.failure(str(resp.error))
            elif resp.text:
                try:
                    resp.js = resp.json()
                except _json.JSONDecodeError as e:
                    resp.failure(
                        f"Could not parse response as JSON. {resp.text[:250]}, response code {resp.status_code}, error {e}"
                    )
            try:
                yield resp
            except AssertionError as e:
                if not e.args:
                    resp.failure("Assertion failed")
                elif isinstance(e.args[0], str) and e.args[0].endswith(","):
                    short_resp = resp.text[:200] if resp.text else resp.text
                    resp.failure(f"{e.args[0][:-1]}, response was {short_resp}")
                else:
                    resp.failure(e.args[0])
            except Exception as e:  # noqa: BLE001  rest() turns any error in the block into a failure
                places = []
                for line in traceback.format_exc().split("\n"):
                    m = self._callstack_regex.match(line)
                    if m:
                        filename = re.sub(r"/((home|Users)/\w*)/", "~/", m.group(1))
                        places.append(filename + ":" + m.group(2) + m.group(3))
                short_resp = resp.text[:200] if resp.text else resp.text
                resp.failure(f"{e.__class__.__name__}: {e} at {', '.join(places)}. Response was {short_resp}")

    @contextmanager
    def rest_(self, method: str, url: str, name: str | None = None, **kwargs: Any) -> Iterator[Any]:
        """``rest`` with a cache-busting ``_=<milliseconds>`` query parameter; the
        stats name ends in ``_=...``."""
        separator = "&" if "?" in url else "?"
        if name is None:
            name = url + separator + "_=..."
        with self.rest(method, f"{url}{separator}_={int(time.time() * 1000)}", name=name, **kwargs) as resp:
            yield resp


present_as(CLIENTS, RestMixin)
