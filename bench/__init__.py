"""`make bench`: what readers and staff feel, each figure against a baseline of the same run."""
