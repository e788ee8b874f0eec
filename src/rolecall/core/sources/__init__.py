"""Credential sources: each turns its input into Profiles and Problems (`path:line`).

profiles_yaml: the user's profiles.yaml. aws_config: ~/.aws/config as the AWS CLI reads it.
keys: the base credentials a first hop is made with (static keys, credential_process, env).
"""
