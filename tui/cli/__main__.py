"""`python -m tui.cli`: how the TUI starts its detached workers."""

from tui.cli.main import main

raise SystemExit(main())
