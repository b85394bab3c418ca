# Seed: /work/shared/seeds/000_573257fe51b47f2d.txt, example "tag.py".
# Fixed: `tags` -> `tag` (import and decorator); FastHttpUser was not imported; the command line's
#        `--exclude tag3` is `--exclude-tags tag3`; host points at the local test server
#        (CONFORMANCE_HOST, was http://127.0.0.1:8080); the os.system launcher now refuses to run.
# Run with: --tags tag1 tag2 --exclude-tags tag3
import os
from locust import FastHttpUser, HttpUser, task, tag

# 与继承HttpUser相比，API相同但执行效率更高
class VUser(FastHttpUser):
    host = os.environ.get("CONFORMANCE_HOST", "http://127.0.0.1:8080")

    @tag('tag1', 'tag2')
    @task
    def task1(self):
        self.client.get('/favicon.ico', name='index')

if __name__ == '__main__':
    # 筛选tag1、tag2，排除tag3的任务后执行
    raise SystemExit("run with: locust -f tag.py --tags tag1 tag2 --exclude-tags tag3")
