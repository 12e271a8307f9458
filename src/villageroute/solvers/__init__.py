"""Solvers: each turns a :class:`~villageroute.problem.Problem` into a plan."""
