"""A MongoDB server for the MongoDBUser tests: pymongo's own mock server (mockupdb), since no
MongoDB server is packaged for this machine. ``find`` on any collection answers one document
({"a": 1}); on the collection ``broken`` it answers an error (code 2). Usage: mongo_server.py PORT
"""

from __future__ import annotations

import sys
import time
from typing import Any

from mockupdb import MockupDB

# pymongo 4.20 talks only to servers of wire version 8 or later.
HELLO = {"ismaster": True, "maxWireVersion": 21, "minWireVersion": 0}


def answer(request: Any) -> Any:
    name = getattr(request, "command_name", None)
    if name == "find":
        collection = request.doc["find"]
        if collection == "broken":
            return request.command_err(code=2, errmsg="broken collection")
        return request.ok(cursor={"id": 0, "firstBatch": [{"a": 1}], "ns": f"db.{collection}"})
    if name in ("endSessions", "killCursors"):
        return request.ok()
    return False


def main() -> None:
    server = MockupDB(port=int(sys.argv[1]), auto_ismaster=HELLO)
    server.autoresponds(answer)
    server.run()
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
