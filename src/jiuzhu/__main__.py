"""`python -m jiuzhu` runs the command line."""

from jiuzhu.cli.main import main

main()
