locals {
  account_name = "stage"
  account_id   = "333333333333"
}
