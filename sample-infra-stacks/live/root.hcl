# Every unit includes this file. Generated units live under .terragrunt-stack/, so
# path_relative_to_include() (and the state key) holds that segment, as with Terragrunt.
locals {
  account    = read_terragrunt_config(find_in_parent_folders("account.hcl"))
  account_id = local.account.locals.account_id
  # Empty means real AWS; tests point this at a moto server.
  endpoint = get_env("AWS_ENDPOINT_URL", "")
}

iam_role = "arn:aws:iam::${local.account_id}:role/tgo-deploy"

remote_state {
  backend = "s3"
  generate = {
    path      = "backend.tf"
    if_exists = "overwrite_terragrunt"
  }
  config = {
    bucket                      = "tgo-stacks-state-${local.account_id}"
    key                         = "${path_relative_to_include()}/terraform.tfstate"
    region                      = "us-east-1"
    endpoint                    = local.endpoint
    sts_endpoint                = local.endpoint
    force_path_style            = true
    skip_credentials_validation = true
    skip_metadata_api_check     = true
    skip_region_validation      = true
  }
}
