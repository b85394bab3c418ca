# Seed: /work/shared/seeds/001_d747a14e6cb82a8b.txt, the TaskSet example with @task(1) / @task(2).
# Fixed: the example has only the TaskSet; a user class running it was added (WebsiteUser, host from -H).
from locust import HttpUser, TaskSet, task

class UserBehavior(TaskSet):
    @task(1)
    def test_job1(self):
        self.client.get('/job1')

    @task(2)
    def test_job2(self):
        self.client.get('/job2')

# added: a user class to run the TaskSet
class WebsiteUser(HttpUser):
    tasks = [UserBehavior]
