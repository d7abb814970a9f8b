"""`python -m xpm_emulator`: the same as `python -m xpm_emulator.server`."""

from xpm_emulator.server import main

main()
