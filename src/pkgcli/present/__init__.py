"""Presentation: small pure text helpers at the bottom, presenters per command on top."""
