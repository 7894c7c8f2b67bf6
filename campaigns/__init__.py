"""Multi-step LinkedIn campaigns on Temporal, as a client of openoutreach-server.

A campaign walks each lead through a flow (visit, like, comment, invite, wait for the
acceptance, follow up or withdraw, notify a webhook) with delays between the steps. Every
touchpoint is one run queued on the server through `openoutreach_client`; this package never
imports the server.
"""
