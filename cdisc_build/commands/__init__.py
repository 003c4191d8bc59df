"""The commands of the `cdisc-build` command line, one module per command group."""
