variable "name" {
  description = "Short name of this deployment of the module."
  type        = string
  default     = "network"
}

variable "environment" {
  description = "Environment (account) name, e.g. dev or prod."
  type        = string
  default     = "dev"
}

variable "account_id" {
  description = "The AWS account this module runs in."
  type        = string
  default     = "000000000000"
}

variable "region" {
  description = "AWS region."
  type        = string
  default     = "us-east-1"
}

variable "bucket" {
  description = "The account's data bucket (tgo-data-<account_id>) that holds this module's objects."
  type        = string
}
