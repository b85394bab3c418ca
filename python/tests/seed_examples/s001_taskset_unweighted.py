# Seed: /work/shared/seeds/001_d747a14e6cb82a8b.txt, the TaskSet example with plain @task (1:1).
# Fixed: the example has only the TaskSet; a user class running it was added (WebsiteUser, host from -H).
from locust import HttpUser, TaskSet, task

class UserBehavior(TaskSet):
    @task
    def test_job1(self):
        self.client.get('/job1')

    @task
    def test_job2(self):
        self.client.get('/job2')

# added: a user class to run the TaskSet
class WebsiteUser(HttpUser):
    tasks = [UserBehavior]
