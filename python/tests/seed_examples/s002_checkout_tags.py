# Seed: /work/shared/seeds/002_c6530e656152c4d7.txt, "常见组合" 2 (SequentialTaskSet + @tag, run with --tags pay).
# Fixed: nothing (tabs kept); no host in the example: the test passes -H (the local test server).
from locust import HttpUser, SequentialTaskSet, task, tag

class CheckoutFlow(SequentialTaskSet):
	@tag("pay")
	@task
	def create_order(self):
		self.client.post("/orders")

	@task
	def pay(self):
		self.client.post("/orders/pay")

class Buyer(HttpUser):
	tasks = [CheckoutFlow]
