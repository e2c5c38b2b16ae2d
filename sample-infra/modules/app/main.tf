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
  prefix = "app/${var.environment}/${var.region}/${var.name}"
}

resource "tgo_s3_object" "config" {
  bucket  = var.bucket
  key     = "${local.prefix}/config.json"
  content = jsonencode({ vpc_id = var.vpc_id, subnet_ids = var.subnet_ids, replicas = 2 })
}
