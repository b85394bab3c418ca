# Seed: /work/shared/seeds/000_573257fe51b47f2d.txt, example "demo.py".
# Fixed: host points at the local test server (CONFORMANCE_HOST, was http://127.0.0.1:8080);
#        the `if __name__ == '__main__': os.system('locust -f demo.py ...')` launcher now refuses to run
#        (it would start a web UI on a fixed port).
import os
from locust import HttpUser, task

class VUser(HttpUser):
    host = os.environ.get("CONFORMANCE_HOST", "http://127.0.0.1:8080")

    @task
    def index(self):
        # name相同时，结果树图表会合并显示为一条
        self.client.get('/login', name='login')
        self.client.get('/favicon.ico', name='index')

if __name__ == '__main__':
    raise SystemExit("run with: locust -f demo.py (or rocust -f demo.py)")
