"""User-safe configuration diagnostics, worded like upstream's nanobot/config/errors.py.

The block format (errors.py:62-69), the location redaction (errors.py:20-43) and the
footers (cli/runtime_config.py:37-73) are copied so that a deployer's greps written
against real Nanobot also match the stand-in.
"""

import re

from . import log

SAFE_PART = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}")
UNKNOWN = "Unknown setting."
REQUIREMENTS = "Value does not satisfy this setting's requirements."


def location(path) -> str:
    """Mapping keys are user input: anything unusual is shown as <redacted>, like upstream."""
    if not path:
        return "<root>"
    return ".".join(str(p) if isinstance(p, int) or SAFE_PART.fullmatch(p) else "<redacted>" for p in path)


def status_command(config_path) -> str:
    return f'nanobot status --config "{config_path}"'


class ConfigError(Exception):
    """A configuration failure that ends the command with exit code 1 (upstream's ConfigLoadError)."""

    def __init__(self, config_path, summary, issues=(), footer=None):
        super().__init__(summary)
        self.config_path = config_path
        self.summary = summary
        self.issues = tuple(issues)  # (path tuple, message)
        self.footer = footer if footer is not None else f"Check again after editing: {status_command(config_path)}"

    def render(self) -> str:
        lines = [f"Invalid configuration: {self.config_path}", "", self.summary]
        for path, message in self.issues[:10]:
            lines.extend(("", f"  {location(path)}", f"    {message}"))
        if len(self.issues) > 10:
            lines.extend(("", f"  … and {len(self.issues) - 10} more issue(s)"))
        return "\n".join(lines)

    def report(self) -> None:
        # Upstream prints these with Rich on stdout, not through loguru.
        log.console(self.render())
        log.console(self.footer)
