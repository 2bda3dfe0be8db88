"""Where messages come from and go to: the platform protocol, X, and the sandbox."""
