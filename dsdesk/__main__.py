import sys

from dsdesk.cli import main

sys.exit(main())
