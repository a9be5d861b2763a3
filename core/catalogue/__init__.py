"""The catalogue: what vat knows across every project (tags, external ids, search, statistics,
storage roots, delivery packs). No Textual here, as in the rest of core."""
