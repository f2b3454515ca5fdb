"""The notify service's I/O besides its tables: templates, composing, transports, the sender loop."""
