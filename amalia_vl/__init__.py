"""AMALIA-VL."""
