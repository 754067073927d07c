"""Webhook subscriptions as a resource: a tenant's (and an HR client's) own endpoints, beside
the operator's configured subscribers (``KRING_WEBHOOK_SUBSCRIBERS``, never listed here).

Every producing service serves the same ``/v1/webhook-subscriptions`` (``routes.py``): create,
list, read, replace, delete, pause, resume, rotate the secret, the delivery log and replays.
A subscription reads its events as the caller who created it (``rules.reader_of``): through
the service's ``EventAccess.scope``, as that caller's token reads the event feed.
"""
