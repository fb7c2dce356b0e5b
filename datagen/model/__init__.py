"""The OpenAI-compatible model client, reply parsing and the model-backed steps' plumbing."""
