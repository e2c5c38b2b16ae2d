remote_state = { backend = "s3" }
remote_state {
  backend = "s3"
}
