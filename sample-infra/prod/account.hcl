locals {
  account_name = "prod"
  account_id   = "444444444444"
}
