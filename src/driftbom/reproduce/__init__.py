"""``drift reproduce``: verify a recorded run's inputs, rerun it, and judge the outcome.

``verify`` checks the code, the data and what a rebuild would refuse before anything is
built; ``tolerance`` parses the metric tolerances; ``verdict`` judges a rerun against the
record; ``venvs`` keeps one rebuilt virtualenv per plan digest; ``commands`` is the line a
person could run by hand; ``run`` ties them together.
"""
