"""Follow-up rules: one small function per rule. (Implemented by the jobs issue.)"""


def apply_rules_for(*, cause_kind: str, cause_id: int) -> int:
    """Apply the rules a record of `cause_kind` triggers; return how many follow-ups were made."""
    return 0
