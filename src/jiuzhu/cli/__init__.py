"""The `jiuzhu` command line."""
