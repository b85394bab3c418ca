# Seed: /work/shared/seeds/002_c6530e656152c4d7.txt, "Tracking/Events 扩展" (request listener + custom EventHook).
# Fixed: EventHook is not exported by `locust` -> `from locust.event import EventHook`; the queue listener
#        `lambda payload, **__: ...` took a positional argument but fire() passes keywords only (TypeError on
#        every request) -> `lambda **payload: ...`; the example has no user: a user class (TracedUser, host
#        from -H) and a test_stop listener printing whether metrics were queued were added, so a run shows
#        the listener worked.
import uuid
from queue import SimpleQueue
from locust import events, HttpUser, constant, task
from locust.event import EventHook

outbound_metrics = SimpleQueue()
request_tagged = EventHook()

@events.init.add_listener
def _(environment, **_):
    request_tagged.add_listener(lambda **payload: outbound_metrics.put(payload))

    @environment.events.request.add_listener
    def _(request_type, name, response_time, response_length, response, context, exception, **kwargs):
        trace_id = (context or {}).get("trace_id") or uuid.uuid4().hex
        request_tagged.fire(
            request_type=request_type,
            name=name,
            duration_ms=response_time,
            length=response_length,
            trace_id=trace_id,
            exception=exception,
        )

# added: a user whose requests the listener sees, and a report of what was queued
class TracedUser(HttpUser):
    wait_time = constant(0.05)

    @task
    def traced(self):
        self.client.get("/traced", context={"trace_id": "fixed-trace-id"})

@events.test_stop.add_listener
def _report(environment, **kwargs):
    print(f"queued metrics: {'some' if outbound_metrics.qsize() > 0 else 'none'}")
