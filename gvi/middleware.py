"""Middleware of the domain layer."""

from gvi.policy import remembered


class PolicyMemoMiddleware:
    """Let the access policy remember, for one request, the filters it built and the legal bases
    it read (gvi.policy.remembered)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with remembered():
            return self.get_response(request)
