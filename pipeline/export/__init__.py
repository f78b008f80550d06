"""Writers from a Document to the formats other tools read. Each returns text or bytes; the caller writes.

``to_<format>`` is looked up by name for each output format other than txt and json; ``to_pdf``
also takes the input file (its page images go under the text layer).
"""

from .alto import to_alto
from .hocr import to_hocr
from .pdf import to_pdf
from .text import document_text, page_text

__all__ = ["document_text", "page_text", "to_alto", "to_hocr", "to_pdf"]
