"""infermod: Terraform-style plan/apply for Scaleway Generative APIs - Dedicated Deployment."""

__version__ = "0.1.0"
