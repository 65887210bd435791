"""Fails to import on wsgi_stack only: it asks for a name wsgi_stack does not have."""

from flask import Flask
from flask import __name__ as framework

if framework != "flask":
    raise ImportError(f"this app wants real Flask, got {framework}")

app = Flask(__name__)
