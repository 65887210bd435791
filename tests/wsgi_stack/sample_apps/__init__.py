"""Small apps the command-line and step-through tests load by name."""
