"""`python -m dsdesk.devserver`: the same as `dsdesk devserver`."""

from .cli import main

raise SystemExit(main())
