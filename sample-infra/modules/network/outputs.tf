output "vpc_id" {
  description = "The VPC id."
  value       = local.vpc_id
}

output "subnet_ids" {
  description = "The subnet ids."
  value       = local.subnet_ids
}

output "cidr" {
  description = "The VPC CIDR block."
  value       = local.cidr
}

output "object_arns" {
  description = "Which role wrote each object."
  value       = [tgo_s3_object.vpc.caller_arn, tgo_s3_object.subnets.caller_arn]
}
