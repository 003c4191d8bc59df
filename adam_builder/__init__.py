"""SDTM to ADaM derivations, the RECIST 1.1 response engine and time-to-event."""
