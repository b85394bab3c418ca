# Seed: /work/shared/seeds/002_c6530e656152c4d7.txt, "常见组合" 1 (HttpUser + @task + between).
# Fixed: nothing (tabs kept); no host in the example: the test passes -H (the local test server).
from locust import HttpUser, task, between

class BrowseUser(HttpUser):
	wait_time = between(1, 3)

	@task(3)
	def list_products(self):
		self.client.get("/api/products")
