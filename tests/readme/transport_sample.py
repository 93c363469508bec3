import httpx

import authwire
from authwire.httpx import HttpxTransport

# Token requests through your own httpx client: its proxy, CA bundle and client certificate
# apply (e.g. httpx.Client(verify="/etc/ssl/corp-ca.pem", proxy="http://proxy:3128")).
client = httpx.Client()
options = authwire.TokenOptions(transport=HttpxTransport(client))
key = authwire.ApiKey.from_file("/tmp/authwire-demo-key.json")
tokens = authwire.TokenManager.api_key_exchange("http://127.0.0.1:8765/v1/token", key, options=options)
print(tokens.authorization().split()[0])  # Bearer
