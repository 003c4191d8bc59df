"""Raw EDC export to SDTM, driven by the spec's Mapping sheet."""
