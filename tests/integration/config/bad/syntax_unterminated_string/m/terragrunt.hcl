locals {
  a = 1
}
iam_role = "arn:aws:iam::111111111111:role/x
