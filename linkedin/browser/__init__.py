"""Browser plumbing: Chromium launch, per-account contexts, login, page state, pacing."""
