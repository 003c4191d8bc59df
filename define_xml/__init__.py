"""Define-XML 2.1: model, build, write, check and HTML rendering."""
