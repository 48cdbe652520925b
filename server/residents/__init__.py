"""Residents' own pages: their account (register, sign in, settings), pledges, comments, flags, notifications, and
the moderation of flagged content."""
