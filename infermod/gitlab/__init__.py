"""GitLab integration: report artifacts and the merge-request plan comment."""
