"""The background jobs ``minyi worker`` runs, and sending the mail outbox."""
