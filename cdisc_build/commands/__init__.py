"""One module per `cdisc-build` command: its options, the stage it calls, and what it prints."""
