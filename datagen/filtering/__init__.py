"""Filters on generated text: the pt-PT / pt-BR variety filter, caption similarity."""
