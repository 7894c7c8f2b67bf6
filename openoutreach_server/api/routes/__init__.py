"""HTTP routers, one per resource; each a thin layer over a service."""
