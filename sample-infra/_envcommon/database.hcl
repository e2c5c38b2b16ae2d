# Shared settings of every database module; included with expose = true.
locals {
  component = "database"
}

terraform {
  source = "${get_parent_terragrunt_dir()}/../modules//database"
}

dependency "network" {
  config_path = "${get_terragrunt_dir()}/../network"

  mock_outputs = {
    vpc_id     = "vpc-00000000mock"
    subnet_ids = ["subnet-0000mock-a", "subnet-0000mock-b"]
  }
  mock_outputs_allowed_terraform_commands = ["validate", "plan"]
}

inputs = {
  vpc_id     = dependency.network.outputs.vpc_id
  subnet_ids = dependency.network.outputs.subnet_ids
}
