"""The auditor's workspace (/audit/): the audit trail, the import batches, the ledger
verification and the statements archive of the labs a user may audit. Read-only."""
