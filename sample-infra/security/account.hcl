locals {
  account_name = "security"
  account_id   = "111111111111"
}
