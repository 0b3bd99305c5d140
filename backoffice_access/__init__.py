"""Who may open which back-office page: ``context.backoffice_view`` hands every /backoffice/ view
an ``AgentContext`` (the agent and the sales directions they work), built once per request.

It sits on ``partners`` (whose directions it reads), beside ``portal_access``, and below every
app whose pages live under /backoffice/.
"""
