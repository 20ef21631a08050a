"""The BNG payment gateway (the NMI Payment API)."""
