"""Proposals, appeals and projects: what residents put forward and what becomes of it."""
