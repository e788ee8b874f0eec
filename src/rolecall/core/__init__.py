"""The rolecall engine. Never imports textual; boto3/botocore only inside sts.py, lazily."""
