"""saferisk: safety-risk reporting and the dual-prevention mechanism for Chinese industrial regulators."""

__version__ = "0.1.0"
