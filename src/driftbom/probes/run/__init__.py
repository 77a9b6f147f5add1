"""What a run records beside its environment: hyperparameters, code revision, lifecycle phase."""
