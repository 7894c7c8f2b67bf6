"""One function per server endpoint, returning a `Call` (request + parser); no I/O here.

To support a new endpoint (say `GET /events`), add its builder in a module of this package
and bind it once on the sync and once on the async resource (`openoutreach_client.resources`).
"""
