include "root" {
  path = find_in_parent_folders("root.hcl")
}

terraform {
  source = "${dirname(find_in_parent_folders("root.hcl"))}/modules//iam-baseline"
}

# Every account's baseline runs after the security account's log archive exists.
dependency "log_archive" {
  config_path = "${dirname(find_in_parent_folders("root.hcl"))}/security/us-east-1/security/log-archive"

  mock_outputs = {
    bucket_key = "log-archive/mock"
  }
  mock_outputs_allowed_terraform_commands = ["validate", "plan"]
}
