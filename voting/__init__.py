"""How residents back proposals: supports (and the threshold that makes a proposal qualified) and pledges of
money, hours and materials, settled all-or-nothing at the deadline; the ledger of collected money."""
