locals {
  a = 1
  tags {
    x = 1
  }
}
