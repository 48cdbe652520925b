"""What every domain needs and no domain owns: the database handle and column types, domain errors, site rules,
the cache, file storage, the job queue, the mail outbox, i18n, search, input validation, photos, money and the
hash-chained audit log. Imports no domain package."""
