"""Participatory budgeting: residents decide how a share of the budget is spent.

Budget cycles and ballots: `models`, `cycles` (opening a cycle, its phases, projects and their review), `ballots`
(casting and changing a ballot, the money left, a part's votes for counting), `queries` (who reads what) and
`cycle_errors`. The counting core, with no web and no database: `election` (projects, budget, approval ballots),
`counting` (the rules: the Method of Equal Shares with its completions and comparison step, and greedy counting,
with the facts that explain each result), `equal_shares` (its exact and fast engine) and `pabulib` (reading and
writing the `.pb` files of pabulib.org)."""
