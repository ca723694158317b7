"""Upstream clients: fetching and pure `parse_*` decoding. They never touch the store."""
