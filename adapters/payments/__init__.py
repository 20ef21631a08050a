"""Payment gateways (BNG, an NMI white label): one folder each (DESIGN "Vendors")."""
