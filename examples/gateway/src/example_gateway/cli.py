"""Command line: `example-gateway [gateway|serve|agent] ...`, shaped like upstream's `nanobot` CLI.

`gateway` stays the default when no subcommand is given, so older invocations
(`example-gateway --config PATH`) keep working.
"""

import argparse
import sys
from pathlib import Path

from . import __version__, log
from .config import default_config_path, load, resolve_env
from .diagnostics import ConfigError

COMMANDS = ("gateway", "serve", "agent")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="example-gateway", description="A stand-in for Nanobot's gateway (not Nanobot).")
    # Upstream's root callback has --version/-v; `-v` means verbose only after a subcommand.
    parser.add_argument("-v", "--version", action="version", version=f"example-gateway {__version__}")
    sub = parser.add_subparsers(dest="command")

    gateway = sub.add_parser("gateway", help="start the gateway (default)")
    gateway.add_argument("-p", "--port", type=int, default=None, help="Gateway port (overrides gateway.port)")
    gateway.add_argument("-w", "--workspace", default=None)
    gateway.add_argument("-v", "--verbose", action="store_true")
    gateway.add_argument("-c", "--config", default=None)
    gateway.add_argument("--foreground", action="store_true", help="the default; accepted for compatibility")
    gateway.add_argument("--background", action="store_true", help="not supported by the stand-in")

    serve = sub.add_parser("serve", help="start the OpenAI-compatible API")
    serve.add_argument("-p", "--port", type=int, default=None, help="API server port")
    serve.add_argument("-H", "--host", default=None, help="Bind address")
    serve.add_argument("-t", "--timeout", type=float, default=None)
    serve.add_argument("-v", "--verbose", action="store_true")
    serve.add_argument("-w", "--workspace", default=None)
    serve.add_argument("-c", "--config", default=None)
    # Upstream's `nanobot agent`: one message with -m, else an interactive chat on stdin.
    agent = sub.add_parser("agent", help="chat with the agent (one message with -m, else interactive)")
    agent.add_argument("-m", "--message", default=None)
    agent.add_argument("-w", "--workspace", default=None)
    agent.add_argument("-c", "--config", default=None)
    return parser


def _agent(config, message) -> int:
    """The stand-in has no model: it says which model and provider upstream would call, or
    upstream's provider error (providers/factory.py), and echoes what it was told."""
    from .provider import active_model, provider_for_model, setup_error

    error = setup_error(config)
    if error:
        log.console(f"Error: {error}")
        return 1
    model, forced = active_model(config)
    who = f"{model} via {forced if forced != 'auto' else provider_for_model(model) or 'the configured provider'}"
    if message is not None:
        print(f"[stand-in] {who} would answer: {message}", flush=True)
        return 0
    print(f"[stand-in] chatting as {who}; 'exit' or end of input stops", flush=True)
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            print("You: ", end="", flush=True)
        line = sys.stdin.readline()
        if not line or line.strip() in ("exit", "quit"):
            return 0
        print(f"[stand-in] heard: {line.strip()} (terminal: {'yes' if interactive else 'no'})", flush=True)


def _runtime_config(option, workspace):
    """runtime_config.py:116-135: --config must exist; the default file may be missing."""
    if option:
        path = Path(option).expanduser().resolve()
        if not path.exists():
            log.console(f"Error: Config file not found: {path}")
            return None
        log.console(f"Using config: {path}")
    else:
        path = default_config_path()
    try:
        config = resolve_env(load(path))
    except ConfigError as error:
        error.report()
        return None
    if workspace:
        config.set_workspace(workspace)
    return config


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in (*COMMANDS, "-h", "--help", "-v", "--version"):
        argv.insert(0, "gateway")
    args = _parser().parse_args(argv)

    if args.command == "gateway":
        if args.foreground and args.background:
            log.console("Error: --foreground and --background cannot be used together.")
            return 1
        if args.background:
            log.console("Error: the stand-in runs in the foreground only (--background is not supported).")
            return 1
        log.set_verbose(args.verbose)
        config = _runtime_config(args.config, args.workspace)
        if config is None:
            return 1
        from . import gateway

        return gateway.run(config, port=args.port, workspace_option=args.workspace)

    if args.command == "agent":
        config = _runtime_config(args.config, args.workspace)
        return 1 if config is None else _agent(config, args.message)

    log.set_verbose(args.verbose)
    if not args.verbose:
        log.disable()
    config = _runtime_config(args.config, args.workspace)
    if config is None:
        return 1
    from . import serve

    return serve.run(config, host=args.host, port=args.port, timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
