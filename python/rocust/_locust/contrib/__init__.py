"""``locust.contrib``: Locust 2.47.0's optional user types.

Each module needs the client library Locust's does (psycopg, paho-mqtt, ...), imported
at the top, so a missing library fails the import with the very ImportError Locust's
module gives. Requests reach the statistics through ``events.request``, as with any
custom client.
"""
