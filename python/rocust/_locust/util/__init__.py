"""``locust.util``: the small helpers Locust's own modules and many plugins import
(time spans, rounding, dates, URLs, directories, memoization, retries, deprecation
shims) and ``load_locustfile``, which imports a locustfile and finds its classes."""
