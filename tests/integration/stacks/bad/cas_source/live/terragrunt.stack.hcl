unit "app" {
  source = "cas::sha1:0123456789abcdef"
  path   = "app"
}
