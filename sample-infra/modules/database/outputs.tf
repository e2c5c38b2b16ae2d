output "db_endpoint" {
  description = "The database endpoint."
  value       = "${var.name}.db.${var.environment}.example.internal:5432"
}

output "caller_arn" {
  description = "Which role wrote the database objects."
  value       = tgo_s3_object.instance.caller_arn
}
