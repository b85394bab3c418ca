# Seed: /work/shared/seeds/002_c6530e656152c4d7.txt, "常见组合" 3 (LoadTestShape).
# Fixed: stages scaled from minutes to seconds and from 100/200 users to 2/4 users
#        ((60, 100, 5), (120, 200, 10) -> (1, 2, 5), (2, 4, 10)) so the run ends after ~2 s; the example has
#        only the shape: a user class was added (ShapeUser, host from -H).
from locust import HttpUser, LoadTestShape, constant, task

class RampShape(LoadTestShape):
	stages = [(1, 2, 5), (2, 4, 10)]

	def tick(self):
		run_time = self.get_run_time()
		for duration, users, rate in self.stages:
			if run_time < duration:
				return users, rate
		return None

# added: a user class for the shape to spawn
class ShapeUser(HttpUser):
	wait_time = constant(0.1)

	@task
	def shaped(self):
		self.client.get("/shaped")
