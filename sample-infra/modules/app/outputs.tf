output "endpoint" {
  description = "The app's endpoint."
  value       = "${var.name}.${var.environment}.${var.region}.example.internal"
}

output "object_key" {
  description = "Key of the app's config object."
  value       = tgo_s3_object.config.key
}

output "caller_arn" {
  description = "Which role wrote the app's config object."
  value       = tgo_s3_object.config.caller_arn
}
