"""OpenAIUser against an OpenAI-compatible test server (openai_server.py): Responses and Chat
Completions calls, one renamed, and a model the server does not know (404: a failure; the SDK
then raises NotFoundError, caught here)."""

from __future__ import annotations

import openai
from scripted import finish

from locust import constant, task
from locust.contrib.oai import OpenAIUser


class Script(OpenAIUser):
    wait_time = constant(0)

    @task
    def script(self) -> None:
        reply = self.client.responses.create(model="swarm-1", input="Say hello")
        print("REPLY", reply.output_text, flush=True)
        self.client.chat.completions.create(model="swarm-1", messages=[{"role": "user", "content": "Hi"}])
        with self.client.rename_request("greeting"):
            self.client.responses.create(model="swarm-1", input="Say hello")
        try:
            self.client.responses.create(model="missing", input="Say hello")
        except openai.NotFoundError as e:
            print("NOT FOUND", e.status_code, flush=True)
        finish(self)
