# Seed: /work/shared/seeds/000_573257fe51b47f2d.txt, example "assert_res.py".
# Fixed: the task method had no @task decorator (Locust: "No tasks defined"); JSONDecodeError was not
#        imported; host points at the local test server (CONFORMANCE_HOST, was http://127.0.0.1:8080);
#        the os.system launcher now refuses to run.
import os
from json import JSONDecodeError
from locust import HttpUser, task


class VUser(HttpUser):
    host = os.environ.get("CONFORMANCE_HOST", "http://127.0.0.1:8080")

    @task
    def task(self):
        with self.client.post('/login', data={"username": "admin", "password": "admin"},
                              catch_response=True) as response:
            try:
                if response.json()['code'] != 0:
                    response.failure('登录失败')
            except JSONDecodeError:
                response.failure('返回数据格式错误')
            except KeyError:
                response.failure('返回数据缺少字段')
        self.client.get('/favicon.ico', name='index')


if __name__ == '__main__':
    raise SystemExit("run with: locust -f assert_res.py (or rocust -f assert_res.py)")
