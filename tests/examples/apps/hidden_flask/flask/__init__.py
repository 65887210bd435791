# Put first on PYTHONPATH, this makes "import flask" fail as it does where Flask is not installed.
raise ModuleNotFoundError("No module named 'flask'", name="flask")
