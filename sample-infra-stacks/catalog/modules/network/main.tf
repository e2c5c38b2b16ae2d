variable "name" {
  type = string
}
variable "cidr" {
  type = string
}
output "vpc_id" {
  value = "vpc-${var.name}"
}
output "cidr" {
  value = var.cidr
}
