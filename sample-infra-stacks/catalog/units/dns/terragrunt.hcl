include "root" {
  path = find_in_parent_folders("root.hcl")
}

terraform {
  source = "git::https://github.com/acme/infra-modules.git//dns?ref=${values.module_version}"
}

dependency "network" {
  config_path = values.network_path

  mock_outputs = {
    vpc_id = "vpc-mock"
  }
  mock_outputs_allowed_terraform_commands = ["plan", "validate"]
}

inputs = {
  zone   = values.zone
  vpc_id = dependency.network.outputs.vpc_id
}
