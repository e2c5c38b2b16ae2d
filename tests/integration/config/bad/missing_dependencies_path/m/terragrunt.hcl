dependencies {
  paths = ["../nope"]
}
