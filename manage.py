#!/usr/bin/env python
"""Django's command-line utility; `saferisk` (saferisk/cli.py) is the same thing installed as a script."""

import sys

from saferisk.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
