"""htmx: fragments that replace themselves. A page asked by htmx (``HX-Request``) may answer with a fragment
instead of the whole page, so every answer says it varies on that header, and no cache hands a fragment to a
browser that asked for the page."""

from server.extensions import htmx


def init_app(app) -> None:
    htmx.init_app(app)

    @app.after_request
    def vary_on_htmx(response):
        response.vary.add("HX-Request")
        return response
