"""Questions and answers built from content: OCR tasks, chart questions, multiple choice."""
