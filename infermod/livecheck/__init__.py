"""Read-only confirmation of infermod's assumptions about the Scaleway API (docs/scaleway-api-assumptions.md)."""
