"""Evaluation sets (YAML, read with importlib.resources) and the messy retail-export fixture generator."""
