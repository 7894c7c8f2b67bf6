"""What the server tells its clients: the event feed, webhook delivery, and detection of
accepted invitations and replies."""
