"""Loguru-shaped log lines on stderr, and plain console lines on stdout.

Upstream logs with loguru to stderr as `YYYY-MM-DD HH:mm:ss | LEVEL | channel | message`
(nanobot/cli/commands.py:28-40) and prints user-facing lines with Rich to stdout. Deployers
grep both, so the stand-in keeps the two streams and the exact shapes, without colour markup.
"""

import sys
import time

_verbose = False
_disabled = False


def set_verbose(verbose: bool) -> None:
    """`--verbose` switches upstream's level from INFO to DEBUG."""
    global _verbose
    _verbose = bool(verbose)


def disable() -> None:
    """`serve` without -v calls loguru's `logger.disable("nanobot")` (cli/log_control.py)."""
    global _disabled
    _disabled = True


def log(level: str, message: str, channel: str = "-") -> None:
    if _disabled or (level == "DEBUG" and not _verbose):
        return
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    sys.stderr.write(f"{stamp} | {level: <5} | {channel} | {message}\n")
    sys.stderr.flush()  # a container log must show the line even if we are killed next


def debug(message: str, channel: str = "-") -> None:
    log("DEBUG", message, channel)


def info(message: str, channel: str = "-") -> None:
    log("INFO", message, channel)


def warning(message: str, channel: str = "-") -> None:
    log("WARNING", message, channel)


def error(message: str, channel: str = "-") -> None:
    log("ERROR", message, channel)


def console(text: str = "") -> None:
    """Rich's `console.print` goes to stdout; flushed because stdout may be a pipe."""
    print(text, flush=True)
