"""`example-gateway [gateway]`: starts the gateway like `nanobot gateway` does."""

import argparse
import signal
import sys
import threading
from pathlib import Path

from . import __version__
from .config import default_config_path, load_config, load_soul
from .server import GatewayServer


def main(argv=None):
    parser = argparse.ArgumentParser(prog="example-gateway", description=__doc__)
    parser.add_argument("command", nargs="?", default="gateway", choices=["gateway"], help="what to run (default: gateway)")
    parser.add_argument("--config", type=Path, default=None, help="config.json (default: $HOME/.nanobot/config.json)")
    parser.add_argument("--version", action="version", version=f"example-gateway {__version__}")
    args = parser.parse_args(argv)

    config_path = args.config or default_config_path()
    config = load_config(config_path)
    soul = load_soul(config.workspace)
    server = GatewayServer((config.host, config.port), model=config.model, soul=soul)

    # As PID 1 in a container nothing else turns SIGTERM into an exit: stop serving at once.
    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(
        f"example-gateway {__version__}: listening on {config.host}:{config.port}, model={config.model or '-'}, "
        f"soul={'loaded' if soul else 'none'} ({config.workspace / 'SOUL.md'})",
        flush=True,
    )
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    print("example-gateway: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
