"""What scene detection keeps between runs: per-frame scores and how cuts are derived from them."""
