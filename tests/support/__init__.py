"""What the tests share, in one place: events, waiting, streams, systems, services, data."""
