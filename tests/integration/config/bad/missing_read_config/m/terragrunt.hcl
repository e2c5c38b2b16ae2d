locals {
  env = read_terragrunt_config("../env.hcl")
}
