include "root" {
  path = find_in_parent_folders("root.hcl")
}

terraform {
  source = "${dirname(find_in_parent_folders("root.hcl"))}/modules//dns"
}

dependency "app" {
  config_path = "../app"

  mock_outputs = {
    endpoint = "https://app.mock.invalid"
  }
  mock_outputs_allowed_terraform_commands = ["validate", "plan"]
}

inputs = {
  app_endpoint = dependency.app.outputs.endpoint
}
