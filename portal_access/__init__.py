"""Who may open which partner portal: ``context.portal_view`` resolves the portal and the
signed-in user's membership once per request and hands the view a ``PartnerContext``.

It sits on ``partners`` (which it reads) and below every app whose pages live under
/p/<path_name>/, so those apps import it and it imports none of them.
"""
