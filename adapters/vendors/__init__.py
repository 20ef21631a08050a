"""The external systems the hub syncs with, one package each with one skeleton (DESIGN "Vendors").

Every vendor has ``client.py`` (transport, auth, paging, errors), ``contract.py`` (what it
speaks, shared with its sandbox), ``settings.py`` (its typed settings and their checks),
``translate/`` (pure hub <-> vendor functions), ``sync.py`` (deliverers, puller, connection
tester) and, for a PSA, ``quoting/``. ``kit/`` is what they share.
"""
