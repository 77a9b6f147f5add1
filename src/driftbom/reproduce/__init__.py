"""``drift reproduce``: verify a recorded run's inputs, rerun it, and judge the outcome.

``verify`` checks the code, the data and what a rebuild would refuse before anything is
built; ``tolerance`` parses the metric tolerances; ``verdict`` judges a rerun against the
record; ``targets`` are where a rerun happens (a venv from ``venvs``, an image from
``docker``), one interface; ``commands`` holds the recorded command's words and the lines a
person can run by hand; ``run`` ties them together.
"""
