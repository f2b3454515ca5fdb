"""The eligibility service's I/O besides its tables: the offline language detector."""
