"""Writers from a Document to the formats other tools read. Each returns text or bytes; the caller writes.

``to_<format>`` is looked up by name for each output format other than txt and json; ``to_pdf``
also takes the input file (its page images go under the text layer).
"""

from .alto import to_alto
from .hocr import to_hocr
from .text import document_text, page_text

__all__ = ["document_text", "page_text", "to_alto", "to_hocr", "to_pdf"]


def __getattr__(name: str):
    # The PDF writer (numpy, pikepdf) is loaded when a PDF is first asked for, not by every command
    # that names an output file: `ocrfix status` on a large folder answers in under a second.
    if name == "to_pdf":
        from .pdf import to_pdf

        return to_pdf
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
