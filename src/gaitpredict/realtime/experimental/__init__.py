"""Experimental, outside the CLI and the production path: a streaming-native recurrent model
(`recurrent`), benchmarked in `benchmarks/recurrent.py` against the windowed networks."""
