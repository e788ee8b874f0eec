"""The rolecall engine. Never imports textual; botocore only where AWS is called or its config read, lazily."""
