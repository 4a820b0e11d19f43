"""Checks that produce Findings: structural, catalog fit, lifecycle, custom model files."""
