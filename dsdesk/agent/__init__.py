"""The conversation engine: one Qt-free loop that sends chat requests, runs the model's tool
calls under the user's rules and reports everything as typed events.

Layering: ``services`` (Qt adapters) and ``cli`` drive it; it uses ``llm`` (HTTP),
``workspace`` (project files, jail, edits, undo) and ``core`` (messages, requests). It never
imports Qt.
"""
