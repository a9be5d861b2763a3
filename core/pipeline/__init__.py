"""A session from start to end: options, plan, runner, records, report, layout, locks, R&D."""
