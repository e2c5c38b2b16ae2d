output "role_names" {
  description = "Names of the baseline roles."
  value       = local.role_names
}

output "caller_arn" {
  description = "Which role wrote the baseline object."
  value       = tgo_s3_object.roles.caller_arn
}
