"""SIGTERM/SIGINT handling shared by `gateway` and `serve` (upstream gateway_runtime.py:83-130).

In a container the app is PID 1 and nothing else turns SIGTERM into an exit, so the first
signal asks for an orderly shutdown and a second one forces it, as upstream does.
"""

import os
import signal
import threading

from . import log


class ShutdownRequest:
    def __init__(self, what: str = "gateway"):
        self.what = what
        self.event = threading.Event()
        self.count = 0

    def _handle(self, signum, frame):
        name = signal.Signals(signum).name
        self.count += 1
        if self.count > 1:
            if self.what == "gateway":
                log.warning(f"Forcing gateway shutdown after repeated {name}")
            os._exit(0)  # upstream cancels the remaining tasks and still exits 0
        if self.what == "gateway":  # `serve` runs under aiohttp upstream, which logs nothing here
            log.info(f"Gateway shutdown requested by {name}")
            log.console("\nShutting down... Press Ctrl+C again to force.")
        self.event.set()

    def install(self) -> None:
        # Upstream installs its handlers when the asyncio loop starts, i.e. after config,
        # state and channel installs; the stand-in does the same, for the same timing.
        signal.signal(signal.SIGTERM, self._handle)
        signal.signal(signal.SIGINT, self._handle)

    def wait(self) -> None:
        # A short timeout keeps the main thread responsive to signals on every Python version.
        while not self.event.wait(0.2):
            pass


def serve_in_background(server) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    return thread


def stop_servers(servers) -> None:
    for server in servers:
        if server is not None:
            server.shutdown()
            server.server_close()
