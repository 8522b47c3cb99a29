"""The shared kernel of the platform's contexts (issue 16): small, imported by all of them,
importing none of them (only the framework-free rules core)."""
