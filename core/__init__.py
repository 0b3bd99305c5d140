"""The shell below every app: validators and helpers that know nothing of the domain."""
