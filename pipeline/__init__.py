"""ocrfix: adaptive preprocessing, Tesseract OCR and a period-tuned corrector for typewritten
1970s-1990s government and diplomatic papers.

The package is imported as ``pipeline``; the command is ``ocrfix``. Importing it loads nothing
heavy: each stage module imports OpenCV, Tesseract bindings or dictionaries only when used.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
