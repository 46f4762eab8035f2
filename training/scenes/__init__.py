"""Training's renderers: the pictures the models learn from.

- ``synth``: the line model's written strings (MNIST digits and real handwriting); ``layout``: how a hand lays
  digits out (sizes, gaps, baseline), shared by ``synth`` and ``separators``.
- ``pen``, ``strokes``: pen strokes drawn as the page's canvas draws them; an MNIST digit restroked.
- ``separators``: numbers written with separators ("3.14", "12/05/2024"); ``separator_sheet`` shows some.
- ``marks``: stray marks round a string (an underline, a box, a tick).
- ``paper``: numbers written on paper (real crops and rendered ink).
- ``detect_scenes``: the number detector's scenes.

The reader benchmark draws its scenes with its own code (``benchmarks/scenes/``), never these.
"""
