"""The runtime shared by the app (``webapp``) and training: what reading a picture needs, one module per concern.

- ``alphabet``: the characters a model reads (digits, separators, the space) and the CTC blank.
- ``preprocess``: a number's crop -> the line model's input (``normalize_line``), the same for training and app.
- ``decode``: logits -> characters with confidences (CTC greedy, positional).
- ``segment``: a read line cut into one MNIST-framed crop per digit; ``rescore``: those digits read again.
- ``detector``: the learned number detector's input and its map -> number boxes.
- ``store``: the model store (``model_store/``): cards, loading, the DEFAULT; ``folding``: a model made ready
  to serve (batch normalisation folded into its convolutions).
- ``corrections``: the corrections store (SQLite) and where the app keeps it.
- ``quiet``: TensorFlow loaded without its start-up noise.

This package imports nothing else of ``training`` (nor ``webapp`` or ``benchmarks``), and ``webapp`` imports
nothing of ``training`` but this package (``tests/test_layout.py`` checks both).
"""
