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
  prefix = "dns/${var.environment}/${var.region}/${var.name}"
}

locals {
  record = "${var.name}.${var.environment}.example.com"
}

resource "tgo_s3_object" "record" {
  bucket  = var.bucket
  key     = "${local.prefix}/record.json"
  content = jsonencode({ name = local.record, type = "CNAME", value = var.app_endpoint })
}
