output "record" {
  description = "The DNS record name."
  value       = local.record
}

output "caller_arn" {
  description = "Which role wrote the record object."
  value       = tgo_s3_object.record.caller_arn
}
