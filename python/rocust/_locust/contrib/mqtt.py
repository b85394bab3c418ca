"""``locust.contrib.mqtt``: a User with a paho-mqtt client that records its traffic.

Rows are ``MQTT`` requests: ``connect`` and ``disconnect`` (time 0; a non-zero reason
code is the failure), ``publish:<qos>:<topic>`` timed until paho reports the message
sent (for QoS 1 and 2: acknowledged), and ``subscribe:<qos>:<topic>`` timed until the
SUBACK (a refused subscription, granted QoS 0x80, is the failure). The user connects
(``connect_async`` and paho's network loop) when it is created.
"""

from __future__ import annotations

import random
import selectors
import time
from contextlib import suppress
from typing import TYPE_CHECKING, Any, Dict, List, NamedTuple, Optional, Tuple, Type, Union

import paho.mqtt.client as mqtt
from paho.mqtt.enums import MQTTErrorCode

from ..user.users import User

if TYPE_CHECKING:
    from paho.mqtt.client import MQTTMessageInfo
    from paho.mqtt.enums import MQTTProtocolVersion
    from paho.mqtt.properties import Properties
    from paho.mqtt.reasoncodes import ReasonCode
    from paho.mqtt.subscribeoptions import SubscribeOptions

    from ..env import Environment

#: The granted QoS by which a SUBACK refuses a subscription (MQTT 3.1.1, section 3.9.3).
SUBACK_FAILURE = 0x80
REQUEST_TYPE = "MQTT"

_ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _generate_random_id(length: int, alphabet: str = _ID_ALPHABET) -> str:
    """``length`` characters drawn from ``alphabet``."""
    return "".join(random.choice(alphabet) for _ in range(length))


def _generate_mqtt_event_name(event_type: str, qos: int, topic: str) -> str:
    """The row name of a publish or subscribe: ``publish:0:my/topic``."""
    return f"{event_type}:{qos}:{topic}"


class PublishedMessageContext(NamedTuple):
    """A publish waiting for paho's on_publish."""

    qos: int
    topic: str
    start_time: float
    payload_size: int


class MqttClient(mqtt.Client):
    def __init__(
        self,
        *args: Any,
        environment: Environment,
        client_id: Optional[str] = None,
        protocol: MQTTProtocolVersion = mqtt.MQTTv311,
        use_loop_selectors: bool = False,
        **kwargs: Any,
    ) -> None:
        """A paho client reporting to ``environment``'s request event; other arguments
        go to ``paho.mqtt.client.Client``.

        Without ``client_id`` one is made up (``locust-`` and 16 random characters, within
        MQTT's 23): a broker-assigned id could not be read back for the request context.
        ``use_loop_selectors`` waits with ``selectors`` instead of ``select()``, which
        cannot watch descriptors above 1024 (about 340 clients per process).
        """
        if not client_id:
            client_id = f"locust-{_generate_random_id(16)}"
        super().__init__(*args, client_id=client_id, protocol=protocol, **kwargs)  # type: ignore[misc]
        self.environment = environment
        self.client_id = client_id
        self.on_publish = self._on_publish_cb
        if protocol == mqtt.MQTTv5:
            self.on_disconnect = self._on_disconnect_cb_v5
            self.on_connect = self._on_connect_cb_v5
            self.on_subscribe = self._on_subscribe_cb_v5
        else:
            self.on_disconnect = self._on_disconnect_cb_v3x
            self.on_connect = self._on_connect_cb_v3x
            self.on_subscribe = self._on_subscribe_cb_v3x  # type: ignore[assignment]
        self._publish_requests: Dict[int, PublishedMessageContext] = {}
        self._subscribe_requests: Dict[int, Tuple[int, str, float]] = {}
        self._use_loop_selectors = use_loop_selectors

    def _generate_event_name(self, event_type: str, qos: int, topic: str) -> str:
        return _generate_mqtt_event_name(event_type, qos, topic)

    def _fire(
        self, name: str, response_time: float, response_length: int, exception: Any, context: Dict[str, Any]
    ) -> None:
        self.environment.events.request.fire(
            request_type=REQUEST_TYPE,
            name=name,
            response_time=response_time,
            response_length=response_length,
            exception=exception,
            context={"client_id": self.client_id, **context},
        )

    def _on_publish_cb(self, client: mqtt.Client, userdata: Any, mid: int) -> None:
        now = time.time()
        sent = self._publish_requests.pop(mid, None)
        if sent is None:
            error = AssertionError(f"Could not find message data for mid '{mid}' in _on_publish_cb.")
            self._fire("publish", 0, 0, error, {"mid": mid})
            return
        name = self._generate_event_name("publish", sent.qos, sent.topic)
        self._fire(name, (now - sent.start_time) * 1000, sent.payload_size, None, sent._asdict())

    def _on_subscribe_cb_v3x(self, client: mqtt.Client, userdata: Any, mid: int, granted_qos: List[int]) -> None:
        now = time.time()
        asked = self._subscribe_requests.pop(mid, None)
        if asked is None:
            error = AssertionError(f"Could not find message data for mid '{mid}' in _on_subscribe_cb.")
            self._fire("subscribe", 0, 0, error, {"mid": mid})
            return
        qos, topic, start_time = asked
        refused: Optional[AssertionError] = None
        if SUBACK_FAILURE in granted_qos:
            refused = AssertionError(f"Broker returned an error response during subscription: {granted_qos}")
        context = {"qos": qos, "topic": topic, "start_time": start_time}
        self._fire(self._generate_event_name("subscribe", qos, topic), (now - start_time) * 1000, 0, refused, context)

    def _on_subscribe_cb_v5(
        self, client: mqtt.Client, userdata: Any, mid: int, reason_codes: List[ReasonCode], properties: Properties
    ) -> None:
        self._on_subscribe_cb_v3x(client, userdata, mid, [code.value for code in reason_codes])

    def _on_disconnect_cb(self, client: mqtt.Client, userdata: Any, rc: Union[int, ReasonCode]) -> None:
        self._fire("disconnect", 0, 0, rc if rc != 0 else None, {})

    def _on_disconnect_cb_v3x(self, client: mqtt.Client, userdata: Any, rc: int) -> None:
        self._on_disconnect_cb(client, userdata, rc)

    def _on_disconnect_cb_v5(
        self,
        client: mqtt.Client,
        userdata: Any,
        disconnect_flags: mqtt.DisconnectFlags,
        reasoncode: ReasonCode,
        properties: Optional[Properties],
    ) -> None:
        self._on_disconnect_cb(client, userdata, reasoncode)

    def _on_connect_cb(
        self, client: mqtt.Client, userdata: Any, flags: Dict[str, int], rc: Union[int, ReasonCode]
    ) -> None:
        self._fire("connect", 0, 0, Exception(str(rc)) if rc != 0 else None, {})

    def _on_connect_cb_v3x(self, client: mqtt.Client, userdata: Any, flags: Dict[str, int], rc: int) -> None:
        self._on_connect_cb(client, userdata, flags, rc)

    def _on_connect_cb_v5(
        self,
        client: mqtt.Client,
        userdata: Any,
        connect_flags: mqtt.ConnectFlags,
        reasoncode: ReasonCode,
        properties: Optional[Properties],
    ) -> None:
        self._on_connect_cb(client, userdata, {}, reasoncode)

    def _loop(self, timeout: float = 1.0) -> MQTTErrorCode:
        """paho's network loop step, or the selectors-based one (``use_loop_selectors``)."""
        if self._use_loop_selectors:
            return self._loop_selectors(timeout)
        return super()._loop(timeout)

    def _loop_selectors(self, timeout: float = 1.0) -> MQTTErrorCode:
        """One step of paho's network loop, waiting with ``selectors``: read what came,
        write what is queued (also when ``publish()`` woke us through paho's socket
        pair), then paho's housekeeping (keepalive, retries)."""
        if timeout < 0.0:
            raise ValueError("Invalid timeout.")
        sock: Any = self._sock
        wake: Any = self._sockpairR
        interest = selectors.EVENT_READ
        if self._out_packet:
            interest |= selectors.EVENT_WRITE
        # TLS may hold decrypted bytes the socket no longer shows: read them now.
        pending = sock.pending() if hasattr(sock, "pending") else 0
        if pending > 0:
            timeout = 0.0
        selector = selectors.DefaultSelector()
        try:
            try:
                selector.register(sock, interest)
                if wake is not None:
                    selector.register(wake, selectors.EVENT_READ)
                ready = selector.select(timeout)
            except (TypeError, ValueError):
                # No socket (disconnected) or a stale descriptor right after reconnecting.
                return MQTTErrorCode.MQTT_ERR_CONN_LOST
            except Exception:
                return MQTTErrorCode.MQTT_ERR_UNKNOWN
            readable = {key.fileobj for key, events in ready if events & selectors.EVENT_READ}
            writable = {key.fileobj for key, events in ready if events & selectors.EVENT_WRITE}
            if sock in readable or pending > 0:
                rc = self.loop_read()
                if rc or self._sock is None:
                    return rc
            if wake is not None and wake in readable:
                # Woken by publish() and the like: their packets are queued now.
                writable.add(sock)
                with suppress(BlockingIOError):
                    wake.recv(10000)
            if sock in writable:
                rc = self.loop_write()
                if rc or self._sock is None:
                    return rc
        finally:
            selector.close()
        return self.loop_misc()

    def publish(
        self,
        topic: str,
        payload: Optional[mqtt.PayloadType] = None,
        qos: int = 0,
        retain: bool = False,
        properties: Optional[Properties] = None,
    ) -> MQTTMessageInfo:
        """paho's publish, recorded when paho reports it sent (or at once if refused)."""
        sized = payload is not None and bool(payload) and not isinstance(payload, (int, float))
        sent = PublishedMessageContext(
            qos=qos,
            topic=topic,
            start_time=time.time(),
            payload_size=len(payload) if sized else 0,  # type: ignore[arg-type]
        )
        info = super().publish(topic, payload=payload, qos=qos, retain=retain, properties=properties)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            self._fire(self._generate_event_name("publish", qos, topic), 0, 0, info.rc, sent._asdict())
        else:
            self._publish_requests[info.mid] = sent
        return info

    def subscribe(
        self,
        topic: Union[
            str, Tuple[str, int], Tuple[str, SubscribeOptions], List[Tuple[str, int]], List[Tuple[str, SubscribeOptions]]
        ],
        qos: int = 0,
        options: Optional[SubscribeOptions] = None,
        properties: Optional[Properties] = None,
    ) -> Tuple[MQTTErrorCode, Optional[int]]:
        """paho's subscribe, recorded at the SUBACK (or at once if refused or unacknowledged).
        The row is named after the first topic (``topic[0][0]`` of a tuple or list, as
        Locust names it)."""
        start_time = time.time()
        first_topic: str = topic if isinstance(topic, str) else topic[0][0]
        result, mid = super().subscribe(topic, qos, options, properties)
        name = self._generate_event_name("subscribe", qos, first_topic)
        context = {"qos": qos, "topic": first_topic, "start_time": start_time}
        if result != mqtt.MQTT_ERR_SUCCESS:
            self._fire(name, 0, 0, result, context)
        elif mid is None:
            self._fire(name, (time.time() - start_time) * 1000, 0, None, context)
        else:
            self._subscribe_requests[mid] = (qos, first_topic, start_time)
        return result, mid


class MqttUser(User):
    """Set the broker (``host``, ``port``, ``transport`` "tcp" or "websockets" with
    ``ws_path``, ``tls_context``, ``username``/``password``) and the client
    (``client_cls``, ``client_id``, ``protocol``, ``use_loop_selectors``) on the subclass."""

    abstract = True

    host = "localhost"
    port = 1883
    transport = "tcp"
    ws_path = "/mqtt"
    tls_context: Any = None
    client_cls: Type[MqttClient] = MqttClient
    client_id: Optional[str] = None
    username: Optional[str] = None
    password: Optional[str] = None
    protocol = mqtt.MQTTv311
    use_loop_selectors: bool = False

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        self.client: MqttClient = self.client_cls(
            environment=self.environment,
            transport=self.transport,
            client_id=self.client_id,
            protocol=self.protocol,
            use_loop_selectors=self.use_loop_selectors,
        )
        if self.tls_context:
            self.client.tls_set_context(self.tls_context)
        if self.transport == "websockets" and self.ws_path:
            self.client.ws_set_options(path=self.ws_path)
        if self.username and self.password:
            self.client.username_pw_set(username=self.username, password=self.password)
        self.client.connect_async(host=self.host, port=self.port)
        self.client.loop_start()
