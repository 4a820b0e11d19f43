"""Views: the plan and findings are data; these modules turn them into text, JSON, markdown."""
