"""BNG Payment Gateway (NMI Payment API): client, translation, adapter and a local sandbox."""
