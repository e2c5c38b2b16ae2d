retryable_errors = [".*"]
retry_max_attempts = 0
