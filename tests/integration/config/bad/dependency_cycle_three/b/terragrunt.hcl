dependencies {
  paths = ["../c"]
}
