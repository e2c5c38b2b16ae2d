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
  prefix = "database/${var.environment}/${var.region}/${var.name}"
}

resource "tgo_s3_object" "instance" {
  bucket  = var.bucket
  key     = "${local.prefix}/instance.json"
  content = jsonencode({ engine = "postgres", vpc_id = var.vpc_id, subnet_ids = var.subnet_ids })
}

resource "tgo_s3_object" "parameters" {
  bucket  = var.bucket
  key     = "${local.prefix}/parameters.json"
  content = jsonencode({ max_connections = 100 })
}
