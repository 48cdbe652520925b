"""The framework's floor for bench/load_test.py: a minimal Flask app whose one route renders a Jinja template
of the same size as the page it is compared with (MINYI_FLOOR_BYTES), served by the same gunicorn settings.
Nothing Minyi does (database, session, translations, security headers) is in it."""

import os

from flask import Flask, render_template_string

TEMPLATE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main><h1>{{ title }}</h1><ul>{% for item in items %}
<li><a href="/items/{{ item.id }}">{{ item.name }}</a> <span>{{ item.text }}</span></li>{% endfor %}
</ul></main></body></html>"""

app = Flask(__name__)
ROW = 160  # bytes each item renders to, about


@app.route("/")
def page():
    size = int(os.environ.get("MINYI_FLOOR_BYTES", "20000"))
    items = [{"id": i, "name": f"Item {i}", "text": "x" * (ROW - 60)} for i in range(max(1, size // ROW))]
    return render_template_string(TEMPLATE, title="Floor", items=items)
