# Shared settings of every network module; included with expose = true.
locals {
  component = "network"
}

terraform {
  source = "${get_parent_terragrunt_dir()}/../modules//network"
}
