"""The comparator: match components, classify changes, apply a policy, report."""
