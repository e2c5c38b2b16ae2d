locals {
  acct = read_terragrunt_config(find_in_parent_folders("account.hcl"))
}
iam_role = "arn:aws:iam::${local.acct.locals.account_id}:role/deploy"
