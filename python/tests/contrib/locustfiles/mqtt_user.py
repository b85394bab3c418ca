"""MqttUser against mosquitto: connect, subscriptions (QoS 0-2, a topic list and a topic tuple,
named after ``topic[0][0]`` as Locust does), publishes (QoS 0-2, bytes, str and a number), a
clean disconnect, a publish after it (refused by paho: NO_CONN), and a second client with a
wrong password (the broker refuses the connection, then paho reports the disconnect)."""

from __future__ import annotations

import os

from scripted import count, finish, wait_until

from locust import constant, task
from locust.contrib.mqtt import MqttClient, MqttUser

PORT = int(os.environ["CONTRIB_MQTT_PORT"])


class Script(MqttUser):
    host = "127.0.0.1"
    port = PORT
    wait_time = constant(0)

    @task
    def script(self) -> None:
        wait_until(lambda: count("MQTT", "connect") == 1)
        refused = MqttClient(environment=self.environment)
        refused.username_pw_set("locust", "wrong")
        refused.connect_async("127.0.0.1", PORT)
        refused.loop_start()
        wait_until(lambda: count("MQTT", "connect") == 2 and count("MQTT", "disconnect") == 1)
        # paho would try again and again: one refusal is the test.
        refused.loop_stop()
        self.client.subscribe("topic/a", qos=0)
        self.client.subscribe("topic/b", qos=1)
        self.client.subscribe("topic/c", qos=2)
        self.client.subscribe([("topic/d", 1), ("topic/e", 2)])
        self.client.subscribe(("topic/f", 1))
        wait_until(lambda: count("MQTT", "subscribe:1:topic/b") == 1 and count("MQTT", "subscribe:0:t") == 1)
        self.client.publish("topic/a", b"bytes", qos=0)
        self.client.publish("topic/a", "text", qos=1)
        self.client.publish("topic/b", "exactly once", qos=2)
        self.client.publish("topic/b", 42, qos=1)
        wait_until(lambda: count("MQTT", "publish:2:topic/b") == 1 and count("MQTT", "publish:1:topic/b") == 1)
        self.client.disconnect()
        wait_until(lambda: count("MQTT", "disconnect") == 2)
        self.client.loop_stop()
        self.client.publish("topic/a", "too late", qos=1)
        finish(self)
