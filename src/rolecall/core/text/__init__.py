"""Text in and out: the one sanitiser for the terminal, export formats, a role's environment, and
the line-aware INI and YAML readers behind `path:line` problems."""
