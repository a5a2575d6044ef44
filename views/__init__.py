"""Blueprints: thin routes that read the request, call one function and render."""
