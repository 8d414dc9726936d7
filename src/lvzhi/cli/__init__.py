"""The `lvzhi` command line: one module per domain, each registering its commands on the root app."""
