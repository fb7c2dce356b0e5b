"""Rows, shards, dataset cards, the shared command line and the Hub push."""
