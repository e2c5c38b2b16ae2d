output "bucket_key" {
  description = "Key of the archive's retention policy object."
  value       = tgo_s3_object.policy.key
}

output "caller_arn" {
  description = "Which role wrote the archive's object."
  value       = tgo_s3_object.policy.caller_arn
}
