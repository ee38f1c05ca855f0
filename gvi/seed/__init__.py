"""Synthetic, plausible data for the whole domain model: `manage.py seed`.

`gvi.seed.runner.run` is the entry point; each module seeds one part of the model.
Only invented data: names are composed from lists of common names, with no identity numbers.
"""
