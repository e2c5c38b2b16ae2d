terraform
  source = "x"
}
