"""Agent mode in the window: mode switch, timeline cards, approvals, turn status, checkpoints."""
