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
  prefix = "network/${var.environment}/${var.region}/${var.name}"
}

locals {
  cidr       = "10.${parseint(substr(var.account_id, 0, 1), 10)}.0.0/16"
  vpc_id     = "vpc-${substr(md5("${var.account_id}/${var.region}/${var.name}"), 0, 12)}"
  subnet_ids = [for i in range(2) : "subnet-${substr(md5("${local.vpc_id}/${i}"), 0, 12)}"]
}

resource "tgo_s3_object" "vpc" {
  bucket  = var.bucket
  key     = "${local.prefix}/vpc.json"
  content = jsonencode({ vpc_id = local.vpc_id, cidr = local.cidr, region = var.region })
}

resource "tgo_s3_object" "subnets" {
  bucket  = var.bucket
  key     = "${local.prefix}/subnets.json"
  content = jsonencode({ vpc_id = local.vpc_id, subnet_ids = local.subnet_ids })
}
