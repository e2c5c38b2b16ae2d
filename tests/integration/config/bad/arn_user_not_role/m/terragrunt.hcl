
iam_role = "arn:aws:iam::111111111111:user/deploy"
