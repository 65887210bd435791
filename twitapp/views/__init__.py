"""twitapp's views as blueprints, one per concern (auth, timelines, follow, site), each ``bp``."""
