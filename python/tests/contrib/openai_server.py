"""An OpenAI-compatible server for the OpenAIUser tests. Usage: openai_server.py PORT

POST /v1/responses and /v1/chat/completions answer a fixed reply whose usage says 7 output
tokens (the Responses API's ``usage.output_tokens``; chat completions count
``completion_tokens`` instead, so OpenAIUser records 0 for them). The model ``missing`` gets
404 with an OpenAI-style error body; anything else 404 too.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict

CREATED = 1767225600


def responses_reply(model: str) -> Dict[str, Any]:
    return {
        "id": "resp_1",
        "object": "response",
        "created_at": CREATED,
        "status": "completed",
        "model": model,
        "output": [
            {
                "type": "message",
                "id": "msg_1",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "Hello from the swarm", "annotations": []}],
            }
        ],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "usage": {
            "input_tokens": 3,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 7,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 10,
        },
    }


def chat_reply(model: str) -> Dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": CREATED,
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "Hello"}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8},
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: Dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        model = str(request.get("model", ""))
        if model == "missing":
            error = {"message": f"The model `{model}` does not exist", "type": "invalid_request_error"}
            self._reply(404, {"error": {**error, "param": None, "code": "model_not_found"}})
        elif self.path == "/v1/responses":
            self._reply(200, responses_reply(model))
        elif self.path == "/v1/chat/completions":
            self._reply(200, chat_reply(model))
        else:
            self._reply(404, {"error": {"message": "no such route", "type": "invalid_request_error"}})


def main() -> None:
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()


if __name__ == "__main__":
    main()
