"""Proposals: what residents put forward for their village, township or county; editing, withdrawing and
rejecting them, their photos, comments and moderation, and who may see a hidden one (``proposals.queries``).
Supports and pledges are in ``voting``; what officials make of a proposal, in ``projects``."""
