"""The shell integration: what `rolecall init SHELL` prints (scripts.py), the code `rolecall use`
hands that integration to evaluate (use.py), completion answered from the profiles index
(complete.py), and the loopback credential endpoint of `exec --server` / `shell --server` (server.py).
"""

SHELLS = ("bash", "zsh", "fish", "powershell")
