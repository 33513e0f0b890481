"""The WebUI bundle's package, like upstream's nanobot.web: the built files are in dist/."""
