"""Fitting models: ``train`` (the line models), ``finetune`` (on corrections), ``rescore_train`` (the digit
rescorer), ``train_detector`` (the number detector) and ``evaluate`` (accuracy on held-out strings). The command
line is ``python -m training`` (``training/__main__.py``)."""
