import authwire

print(authwire.basic_auth("Aladdin", "open sesame"))  # Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==
print(authwire.bearer_auth("mF_9.B5f-4.1JqM"))  # Bearer mF_9.B5f-4.1JqM
print(authwire.bearer_auth("00Dx0!AR8.x"))  # Bearer 00Dx0!AR8.x
print(authwire.open_connectors_auth("us3r", organization_secret="0rg"))  # User us3r, Organization 0rg
print(authwire.scheme_auth_params("Token", {"token": "abc"}))  # Token token="abc"
try:
    authwire.basic_auth("user:name", "pw")
except authwire.AuthError as error:  # every error is an AuthError; str() is a sentence
    print(error)  # invalid input: the Basic user-id contains ':' at byte 4; ...
