"""When the database is unreachable, answer 503 with a friendly page instead of a 500.

A request that fails while the database is down gets the 503 page; once the database answers
again, Django opens a fresh connection on the next request, so the site recovers without a restart.
"""

from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.template.loader import render_to_string

RETRY_AFTER_SECONDS = 30


def database_available() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        connection.close()  # drop the broken connection; the next request opens a new one
        return False
    return True


def service_unavailable() -> HttpResponse:
    # Rendered without the request: no context processor may touch the database it lacks.
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseOutageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and not database_available():
            return service_unavailable()
        return response
