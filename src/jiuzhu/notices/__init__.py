"""Chinese PDF documents (decision letters, notices, public lists) rendered with WeasyPrint."""
