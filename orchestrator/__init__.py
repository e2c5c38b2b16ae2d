"""tgo: orchestrate Terraform across Terragrunt live repositories."""

__version__ = "0.1.0"
