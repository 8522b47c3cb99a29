"""`make bench`: measured performance of jiuzhu, written to docs/benchmarks.md."""
