terraform {
  required_version = ">= 1.0"
  required_providers {
    tgo = {
      source  = "tgo/tgo"
      version = "0.1.0"
    }
  }
}

locals {
  prefix = "log-archive/${var.environment}/${var.region}/${var.name}"
}

resource "tgo_s3_object" "policy" {
  bucket  = var.bucket
  key     = "${local.prefix}/retention.json"
  content = jsonencode({ retention_days = 365, account_id = var.account_id })
}
