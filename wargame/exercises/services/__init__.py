"""Every change to an exercise goes through these services: one transaction, one audit event."""
