"""Example project for the nanoforge toolchain: a tiny Nanobot-style gateway."""

__version__ = "0.1.0"
