import requests

import authwire
from authwire.requests import TokenAuth

# In a test: a manager that never makes a token request, with a token your fake API expects.
tokens = authwire.TokenManager.static_token("test-token")
print(tokens.authorization())  # Bearer test-token
session = requests.Session()
session.auth = TokenAuth(tokens)
request = session.prepare_request(requests.Request("GET", "http://127.0.0.1:9/things"))
print(request.headers["Authorization"])  # Bearer test-token
# A static token is never discarded, so a 401 cannot make it go away.
print(tokens.invalidate(tokens.authorization()))  # False
print(tokens.stats.token_requests)  # 0
