"""The exit-code contract of every llz command (documented in the README)."""

OK = 0
ERROR = 1
CHANGES = 2  # preview: changes pending (as `terraform plan -detailed-exitcode`)
MANDATORY_FINDINGS = 3  # audit: at least one mandatory finding not suppressed
INTERRUPTED = 130
