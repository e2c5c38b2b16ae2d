variable "name" {
  type = string
}
variable "vpc_id" {
  type = string
}
variable "replicas" {
  type = number
}
output "endpoint" {
  value = "${var.name}.${var.vpc_id}:${var.replicas}"
}
