"""A local emulator of Scaleway's Managed Inference v1 and Product Catalog v2alpha1 APIs."""
