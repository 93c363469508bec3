import multiprocessing
import tempfile

import authwire


def worker(directory: str) -> int:
    # In every process (a gunicorn or Celery worker, a pod): the same credential, the same store.
    store = authwire.FileStore(f"{directory}/tokens")  # many hosts: authwire.RedisStore("rediss://...")
    key = authwire.ApiKey.from_file("/tmp/authwire-demo-key.json")
    tokens = authwire.TokenManager.api_key_exchange(
        "http://127.0.0.1:8765/v1/token", key, options=authwire.TokenOptions(store=store)
    )
    tokens.authorization()
    return tokens.stats.token_requests


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as directory, multiprocessing.get_context("spawn").Pool(4) as pool:
        print(sum(pool.map(worker, [directory] * 4)))  # 1: one token request for the four processes
