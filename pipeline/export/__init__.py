"""Writers from a Document to the formats other tools read. Each returns text or bytes; the caller writes."""

from .text import document_text, page_text

__all__ = ["document_text", "page_text"]
