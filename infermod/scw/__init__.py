"""The one seam to Scaleway: the official SDK behind a small interface (Gateway)."""
