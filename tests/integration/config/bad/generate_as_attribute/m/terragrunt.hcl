generate = {
  path = "x"
}
