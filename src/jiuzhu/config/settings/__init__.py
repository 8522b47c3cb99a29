"""Settings modules: base (shared), production, test, demo."""
