"""Content to render: seed texts, code, chart data, invoice data and image inputs."""
