"""GitLab integration: report artifacts, a REST client, the merge-request note, the drift issue."""
