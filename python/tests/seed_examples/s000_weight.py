# Seed: /work/shared/seeds/000_573257fe51b47f2d.txt, example "weight.py".
# Fixed: `class VUser2` was indented by one space (IndentationError); the os.system launcher now refuses
#        to run. No host in the example: the test passes -H (the local test server).
import os
from locust import HttpUser, task

class VUser1(HttpUser):
    weight = 3  # 多个用例设置权重
    fixed_count = 1  # 固定用户数

    @task
    def task(self):
        pass

class VUser2(HttpUser):
    weight = 1

    @task
    def task(self):
        pass

if __name__ == '__main__':
    raise SystemExit("run with: locust -f weight.py (or rocust -f weight.py)")
