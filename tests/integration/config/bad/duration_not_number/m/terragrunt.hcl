iam_assume_role_duration = "long"
