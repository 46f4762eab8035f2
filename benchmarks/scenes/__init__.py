"""The reader benchmark's renderers: scenes with known numbers, drawn by the benchmark's own code.

``sets`` names every set; ``base`` holds the ``Scene`` they return; ``ink`` the benchmark's own drawing of
digits and pen paths; ``camera`` paper, desks and cameras; ``mnist``, ``finding``, ``real``, ``written``,
``separated`` and ``pad`` the sets themselves. Nothing here imports training's generators
(``tests/benchmarks/test_renderer_imports.py``).
"""
