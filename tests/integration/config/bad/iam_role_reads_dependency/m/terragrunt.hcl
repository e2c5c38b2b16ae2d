dependency "vpc" {
  config_path = "../vpc"
}
iam_role = dependency.vpc.outputs.role
