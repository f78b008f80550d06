"""``python -m pipeline`` is the same as the ``ocrfix`` command."""

from .cli import main

# Guarded: worker processes (forkserver/spawn) import the parent's main module again.
if __name__ == "__main__":
    main()
