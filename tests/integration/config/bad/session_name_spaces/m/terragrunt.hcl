iam_assume_role_session_name = "my session"
