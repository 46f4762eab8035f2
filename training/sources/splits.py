"""The recorded splits by writer, ``training/data/SPLITS.json``, written from both rules: ``realdata.make_splits``
(UNIPEN labs, USPS, optdigits) and ``paperdata.make_paper_splits`` (issue 35's sources, under "paper").

``python -m training.sources.splits`` rewrites the file and prints the counts; ``realdata.load_splits`` reads it.
"""
from __future__ import annotations

import json
from pathlib import Path

from training.sources import paperdata, realdata
from training.sources.realdata import SPLITS_PATH, load_optdigits, load_splits, load_usps


def make_splits(max_seed: int = 1000) -> dict:
    """The document ``SPLITS.json`` records: UNIPEN and the scans, then "paper"."""
    return {**realdata.make_splits(max_seed), "paper": paperdata.make_paper_splits()}


def write_splits(path: Path = SPLITS_PATH) -> dict:
    document = make_splits()
    path.write_text(json.dumps(document, indent=1) + "\n")
    load_splits.cache_clear()
    return document


def _print_counts(document: dict) -> None:
    print(f"seed {document['seed']}")
    for split, c in document["counts"]["unipen"].items():
        print(f"{split:<10} labs {c['labs']:>2} ({c['labs_with_strings']} with strings)  writers {c['writers']:>3} "
              f"({c['writer_files']} files)  "
              f"strings {c['strings']:>4} (of {c['strings_unfiltered']})  "
              f"digits {c['digits']:>5} (of {c['digits_unfiltered']})  "
              f"{' '.join(document['unipen']['labs'][split])}")
    for name, files in (("usps", load_usps), ("optdigits", load_optdigits)):
        print(name, {split: len(files(split)) for split in ("train", "test")})
    for kind, counts in document["label_filter"].items():
        print(kind, counts)


if __name__ == "__main__":
    _print_counts(write_splits())
