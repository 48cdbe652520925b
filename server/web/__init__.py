"""What every page and API shares: errors, language, helpers, rate limits, tokens, the database per request, the
read replica, the anonymous page cache, keyset pagination and htmx handling."""
