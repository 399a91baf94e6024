"""Entry point of the PyInstaller bundle: the same `dsdesk` command as the installed script."""

import sys

from dsdesk.cli import main

if __name__ == "__main__":
    sys.exit(main())
