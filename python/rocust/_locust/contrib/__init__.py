"""``locust.contrib``: optional user types (FastHttpUser)."""
