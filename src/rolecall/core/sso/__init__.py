"""IAM Identity Center (SSO): sessions from the config files, the AWS CLI v2 token cache, sign-in
(PKCE or device code) and refresh, the portal's account and role APIs, and cached discovery.

botocore is imported inside functions only, so `valid_token` on a cached token stays cheap.
"""
