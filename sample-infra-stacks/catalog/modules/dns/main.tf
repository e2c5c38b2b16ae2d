variable "zone" {
  type = string
}
variable "vpc_id" {
  type = string
}
output "zone" {
  value = "${var.zone}@${var.vpc_id}"
}
