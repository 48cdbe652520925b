"""Projects: what officials make of qualified proposals and of groups of similar appeals. Models; who may edit
(``permissions``); making one (``promotion``); milestones, reports and completion (``progress``); the public money
trail (``money``); volunteer tasks and pledge deliveries (``volunteering``); residents' ratings; the figures of all."""
