"""The user's inputs, typed: datasets, models, hyperparameters, metrics and the code revision."""
