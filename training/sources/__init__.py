"""Training's data sources: the bundled data sets (``training/data/``) loaded, checked and split by writer.

- ``datasets``: MNIST (``Digits``), its bundled files and the loader that fails over cleanly.
- ``realdata``: UNIPEN pen strokes (``PenSample``), USPS and optdigits scans, the UNIPEN splits by lab.
- ``paperdata``: register numbers, cheque amounts, swiss, semeion, pendigits, UNIPEN symbols and words.
- ``splits``: the recorded splits (``training/data/SPLITS.json``) written from both rules.

Which items there are and which split they belong to; no drawing (that is ``training.scenes``). The
benchmark's renderers (``benchmarks/scenes/``) read their data here and import nothing else of training.
"""
