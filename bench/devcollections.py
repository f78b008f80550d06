"""The dev collections as EVALUATION.md names them, each with its Tesseract language.

Only bench/ reads ../shared; the product and its tests never do.

- ``ehri``: 17 real 1939 English despatches (the three ``_01`` pages, whose ground truth leaves
  out letterheads and stamps, are scored for "pages worse" but left out of CER totals);
- ``german`` and ``danish``: the 92 real typewritten pages of ``ehri_de_dk`` (1938-44), read with
  ``deu`` / ``dan``; all pages count, as in the dev README's raw figures;
- ``synthetic-mild|moderate|severe|fax``: 32 rendered period pages by kind of damage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from devset import DEV, IMAGE_SUFFIXES

COLLECTION_ORDER = ["ehri", "german", "danish", "synthetic-mild", "synthetic-moderate", "synthetic-severe", "synthetic-fax"]
LANG = {"ehri": "eng", "german": "deu", "danish": "dan"}
# ehri_de_dk names: Danish pages carry -DK_ or _DK_; everything else there is German.
_DANISH = re.compile(r"[-_]DK_")


@dataclass(frozen=True)
class CollectionPage:
    image: Path
    gt: Path
    collection: str
    # Ground truth covering only part of the page (EHRI _01): out of the CER totals.
    partial: bool

    @property
    def name(self) -> str:
        return self.image.stem

    @property
    def lang(self) -> str:
        return LANG.get(self.collection, "eng")


def _collection_of(image: Path) -> tuple[str, bool] | None:
    folder = image.parent.name
    if folder == "ehri":
        return "ehri", image.stem.endswith("_01")
    if folder == "ehri_de_dk":
        return ("danish" if _DANISH.search(image.stem) else "german"), False
    if folder == "synthetic":
        return "synthetic-" + image.stem.rsplit(".", 1)[-1], False
    return None


def collection_pages(wanted: set[str] | None = None, limit: int | None = None) -> list[CollectionPage]:
    """Every scored dev page (image with ``.gt.txt``) of the wanted collections, ``limit`` of each."""
    if not DEV.is_dir():
        raise SystemExit(f"dev set not found at {DEV} (set OCRFIX_DEV)")
    pages: list[CollectionPage] = []
    counts: dict[str, int] = {}
    for image in sorted(DEV.rglob("*")):
        if image.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        gt = image.with_name(image.stem + ".gt.txt")
        found = _collection_of(image)
        if not gt.exists() or found is None:
            continue
        collection, partial = found
        if wanted and collection not in wanted and collection.split("-")[0] not in wanted:
            continue
        if limit and counts.get(collection, 0) >= limit:
            continue
        counts[collection] = counts.get(collection, 0) + 1
        pages.append(CollectionPage(image, gt, collection, partial))
    return pages
