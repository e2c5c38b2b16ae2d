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
  prefix = "iam-baseline/${var.environment}/${var.region}/${var.name}"
}

locals {
  role_names = ["${var.environment}-readonly", "${var.environment}-admin"]
}

resource "tgo_s3_object" "roles" {
  bucket  = var.bucket
  key     = "${local.prefix}/roles.json"
  content = jsonencode({ roles = local.role_names })
}
