"""Model builders: ``builders`` (the line models and the digit rescorer, by name: ``REGISTRY``, ``RESCORERS``) and
``detector`` (the number detector's network and its training targets)."""
