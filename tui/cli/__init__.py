"""The `vat` command line: the parser (main) and the headless commands."""
