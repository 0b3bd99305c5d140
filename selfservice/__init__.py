"""The self-service pages: a partner organisation's customers, invoices and subscriptions under
/p/<path_name>/, and the end customer's own subscriptions and invoices at /account/.

Pages only: the records, their rules and their writes live in ``orders`` (and the pushes they
start in ``integrations``). It sits above ``integrations`` (an invoice's PDF comes from the Zuora
client), beside ``registrations``.
"""
