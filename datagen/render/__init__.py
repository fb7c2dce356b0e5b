"""Drawing: fonts, backgrounds, text layouts, code, charts, invoices and camera-like degradations."""
