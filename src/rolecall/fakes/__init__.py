"""Local stand-ins for AWS services moto does not implement, used by the tests and `rolecall demo`."""
