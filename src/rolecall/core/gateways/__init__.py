"""The world outside: AWS (one botocore door, STS, IAM, signed requests), helper processes,
commands and shells, the browser, the clipboard and where MFA codes come from."""
