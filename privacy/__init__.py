"""What Minyi keeps about a person: their export of it, and erasing an account while keeping public records
anonymous."""
