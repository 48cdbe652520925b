"""The WTForms of the pages. Field limits match the database columns."""
