"""The applicant's pages on a phone: their household's cases, applications, change reports."""
