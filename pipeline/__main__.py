"""``python -m pipeline`` is the same as the ``ocrfix`` command."""

from .cli import main

main()
