"""The agent timeline in the window: tool-call cards, approvals in place, live command output."""
