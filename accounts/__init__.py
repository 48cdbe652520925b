"""People, places and organisation: users and roles, the region tree, departments, categories, residency
verification by census, personal API tokens, and the notifications people are sent. Every domain builds on it."""
