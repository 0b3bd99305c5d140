"""The shell below every app: validators, the form mixin, the read-only admin bases and the
data-migration helpers; it knows nothing of the domain and imports no app."""
