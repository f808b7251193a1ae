"""The bottom floor: settings and the closed vocabulary. Imports nothing of the project."""
