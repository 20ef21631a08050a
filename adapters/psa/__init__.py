"""PSA vendors (ConnectWise, Autotask, Kaseya BMS): one folder each (DESIGN "Vendors")."""
