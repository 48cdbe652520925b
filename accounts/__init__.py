"""People, places and organisation: users and roles, the region tree, departments,
categories and residency verification. Every other domain package builds on these."""
