"""How residents back things: votes, pledges, ratings."""
