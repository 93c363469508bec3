# First, in another shell: authwire demo --serve --port 8765 --key-file /tmp/authwire-demo-key.json
authwire token --api-key-file /tmp/authwire-demo-key.json --token-url http://127.0.0.1:8765/v1/token
authwire token --api-key-file /tmp/authwire-demo-key.json --token-url http://127.0.0.1:8765/v1/token \
    exec -- sh -c 'curl -s -w "\n" -H "Authorization: $AUTHORIZATION" http://127.0.0.1:8765/resource'
