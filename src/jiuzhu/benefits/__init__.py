"""Benefits: entitlements from decisions, monthly payment batches, bank files, the ledger."""
