"""How people sign in: the sign-in policy (``policy.py``) and every hook allauth and Django call
to apply it: the account and social-account adapters, the forms, the authentication backends,
the session middleware, the sign-in page with home-realm discovery, and the auth log's writes.

It sits above ``sso`` (whose identity providers it consults) and ``partners``; no app below it
imports it. The models it writes (``accounts.User``, ``accounts.AuthEvent``) stay in ``accounts``.
"""
