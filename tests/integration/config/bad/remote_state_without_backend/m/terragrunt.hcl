remote_state {
  config = {}
}
