locals {
  environment = "security"
}
