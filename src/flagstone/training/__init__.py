"""Training the default model: data sources and label mappings, recipes, calibration, evaluation."""
