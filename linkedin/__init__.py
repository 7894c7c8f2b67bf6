"""LinkedIn browser automation primitives: usable on their own, without the server."""
