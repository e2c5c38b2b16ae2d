terraform {
  before_hook "fmt" {
    commands = "plan"
    execute  = ["echo"]
  }
}
