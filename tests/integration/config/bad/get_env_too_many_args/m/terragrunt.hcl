inputs = {
  a = get_env("A", "b", "c")
}
