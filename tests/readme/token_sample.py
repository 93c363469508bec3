import asyncio

import authwire

# The API-key file downloaded from XTD (here: written by the local demo server).
key = authwire.ApiKey.from_file("/tmp/authwire-demo-key.json")
tokens = authwire.TokenManager.api_key_exchange(
    "http://127.0.0.1:8765/v1/token", key, options=authwire.TokenOptions(max_attempts=3)
)

header = tokens.authorization()  # one token request, shared by every thread and task
print(header.split()[0])  # Bearer
assert tokens.authorization() == header  # well under 1 µs while the token is fresh
print(tokens)  # TokenManager(api_key_exchange, credentials=[redacted])

# The API answered 401 for a request that carried `header`: only the first of many parallel
# 401s refreshes.
tokens.invalidate(header)
fresh = asyncio.run(tokens.authorization_async())  # asyncio: no runtime to set up
assert fresh != header
print(tokens.stats.token_requests)  # 2
