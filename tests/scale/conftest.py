"""The scale tests use the XPM emulator fixtures of tests/xpm."""

from tests.xpm.conftest import connected, xpm, xpm_server

__all__ = ["connected", "xpm", "xpm_server"]
