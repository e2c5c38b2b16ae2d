locals {
  account_id = "11111111111"
}
