include "root" {
  path = find_in_parent_folders("root.hcl")
}

terraform {
  source = "git::https://github.com/acme/infra-modules.git//app?ref=${values.module_version}"
}

# The graph edge comes from values: the stack says where this unit's network is.
dependency "network" {
  config_path = values.network_path

  mock_outputs = {
    vpc_id = "vpc-mock"
  }
  mock_outputs_allowed_terraform_commands = ["plan", "validate"]
}

inputs = {
  name     = values.name
  vpc_id   = dependency.network.outputs.vpc_id
  replicas = try(values.replicas, 1)
}
