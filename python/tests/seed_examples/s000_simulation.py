# Seed: /work/shared/seeds/000_573257fe51b47f2d.txt, example "simulation.py".
# Fixed: missing imports (`events`, `time`); `environment.environment_type` does not exist in Locust
#        (AttributeError in the init listener) -> the runner's class name; host points at the local test
#        server (CONFORMANCE_HOST, was http://127.0.0.1:8080); the os.system launcher now refuses to run.
import os
import time
from locust import HttpUser, task, between, constant_throughput, events

class VUser(HttpUser):
    host = os.environ.get("CONFORMANCE_HOST", "http://127.0.0.1:8080")
    # 每个用户请求之间等待0.5秒到10秒
    wait_time = between(0.5, 10)
    # 每个用户每10秒执行一次任务（0.1次/秒），以测试系统在稳定流量下的表现，避免瞬间高并发冲击服务
    wait_time = constant_throughput(0.1)

    # @task(3)表示该任务的执行权重，以模拟用户行为的优先级和分布比例
    @task(3)
    def task1(self):
        self.client.get('/favicon.ico', name='index')

    @task
    def task2(self):
        pass

    # 虚拟用户启动前会调用该方法
    def on_start(self):
        self.client.post('/loginReq', data={"username": "admin", "password": "admin"})
        # 将token存到变量
        pass

@events.test_start.add_listener
def on_test_start(environment, **kwargs):
    print(f"开始压测，当前时间为: {time.strftime('%H:%M:%S')}")

@events.test_stop.add_listener
def on_test_stop(environment, **kwargs):
    print(f"压测结束，当前时间为: {time.strftime('%H:%M:%S')}")

@events.init.add_listener
def on_locust_init(environment, **kwargs):
    print(f"当前环境为: {type(environment.runner).__name__}")

if __name__ == '__main__':
    raise SystemExit("run with: locust -f simulation.py (or rocust -f simulation.py)")
