"""Server-rendered pages for caseworkers, leaders, analysts and operators (Jinja2, Danish)."""
