"""infermod: Terraform-style plan/apply for Scaleway Generative APIs - Dedicated Deployment."""

__version__ = "0.1.0"

# A command allocates many small objects that live until it exits (a 5,000-deployment file
# makes ~10^6): with the default thresholds the cyclic collector re-scans them again and
# again, a third of `validate`'s time. Like mypy, collect young objects far less often;
# cycles are still collected, so memory stays bounded. `cli.main` sets them for each command;
# the process's entry (`__main__.py`) before anything else is imported.
GC_THRESHOLDS = (100_000, 50, 100)
