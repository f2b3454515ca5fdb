"""What every service uses: the contract, the bus, settings, logs, the contest."""

__version__ = "0.1.0"
