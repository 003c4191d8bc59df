"""One recipe per ADaM dataset: ADSL, ADRS, ADTTE, ADTR, ADAE (in the order they run)."""
