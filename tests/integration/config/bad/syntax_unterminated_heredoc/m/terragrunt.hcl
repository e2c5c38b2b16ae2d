inputs = {
  a = <<EOT
hello
}
