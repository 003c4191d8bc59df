"""A simulated EDC export of the anlotinib + toripalimab soft-tissue sarcoma trial."""
