# The root of the live tree: every module includes this file (include "root").
# It is evaluated in the including module's context, so find_in_parent_folders() and
# path_relative_to_include() refer to that module.

locals {
  account_vars = read_terragrunt_config(find_in_parent_folders("account.hcl"))
  region_vars  = read_terragrunt_config(find_in_parent_folders("region.hcl"))
  env_vars     = read_terragrunt_config(find_in_parent_folders("env.hcl"))

  account_name = local.account_vars.locals.account_name
  account_id   = local.account_vars.locals.account_id
  region       = local.region_vars.locals.region
  environment  = local.env_vars.locals.environment

  # State lives in each account's home region, whatever region a module deploys to.
  state_region = "us-east-1"

  # Empty means real AWS; tests and the demo point this at a moto server.
  aws_endpoint = get_env("AWS_ENDPOINT_URL", "")
}

iam_role = "arn:aws:iam::${local.account_id}:role/tgo-deploy"

remote_state {
  backend = "s3"
  generate = {
    path      = "backend.tf"
    if_exists = "overwrite_terragrunt"
  }
  config = {
    bucket                      = "tgo-state-${local.account_id}"
    key                         = "${path_relative_to_include()}/terraform.tfstate"
    region                      = local.state_region
    dynamodb_table              = "tgo-locks-${local.account_id}"
    encrypt                     = true
    endpoint                    = local.aws_endpoint
    dynamodb_endpoint           = local.aws_endpoint
    sts_endpoint                = local.aws_endpoint
    force_path_style            = true
    skip_credentials_validation = true
    skip_metadata_api_check     = true
    skip_region_validation      = true
  }
}

generate "provider" {
  path      = "provider.tf"
  if_exists = "overwrite_terragrunt"
  contents  = <<EOT
provider "tgo" {
  region = "${local.region}"
}
EOT
}

inputs = {
  name        = basename(get_terragrunt_dir())
  environment = local.environment
  account_id  = local.account_id
  region      = local.region
  bucket      = "tgo-data-${local.account_id}"
}
