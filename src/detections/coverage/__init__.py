"""Coverage of the content library: ATT&CK Navigator layer, Zero Trust matrix, per-rule docs, policy."""
