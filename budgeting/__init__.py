"""Participatory budgeting: residents decide how a share of the budget is spent.

So far this package holds the counting core, with no web and no database: `election` (projects, budget,
approval ballots), `counting` (the rules: the Method of Equal Shares with its completions and comparison step, and
greedy counting, with the facts that explain each result), `equal_shares` (its exact and fast engine) and
`pabulib` (reading and writing the `.pb` files of pabulib.org)."""
