"""vat's faces: the Textual app and the command line."""
