"""The plan: what will change, as frozen data (model), how it is computed (diff), saved (planfile)."""
