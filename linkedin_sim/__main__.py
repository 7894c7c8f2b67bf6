"""`python -m linkedin_sim [--host H] [--port P]`: run the simulator in the foreground."""

from __future__ import annotations

import argparse

from linkedin_sim.server import serve


def main() -> None:
    """Parse the command line and serve."""
    parser = argparse.ArgumentParser(prog="linkedin_sim", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    serve(args.host, args.port)


if __name__ == "__main__":
    main()
