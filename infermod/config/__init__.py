"""Loading the user's YAML into the desired configuration (plain, typed data)."""
