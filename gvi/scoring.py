"""The violence score and the flag suggestion. (Implemented by the jobs issue.)"""


def run_scoring(*, programme_id: int, trigger: str = "schedule"):
    """Score every group of a programme; store a snapshot; update the flag suggestion."""
    return None
