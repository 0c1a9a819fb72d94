"""Real clients' code, kept as fixtures: each file names its source and keeps its licence notice."""
