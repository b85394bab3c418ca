# Seed: /work/shared/seeds/001_d747a14e6cb82a8b.txt, the example with a `tasks` list of functions.
# Fixed: the example has only the TaskSet; a user class running it was added (WebsiteUser, host from -H).
from locust import HttpUser, TaskSet

def test_job1(obj):
    obj.client.get('/job1')

def test_job2(obj):
    obj.client.get('/job2')

class UserBehavior(TaskSet):
    tasks = [test_job1, test_job2]
    # tasks = {test_job1:1, test_job2:1} # 两种方式等价

# added: a user class to run the TaskSet
class WebsiteUser(HttpUser):
    tasks = [UserBehavior]
