"""The load benchmark: the production stack as processes, and a driver walking whole sign-ups.

`python -m bench` (or `make bench N=500 C=8`); see docs/PERFORMANCE.md.
"""
