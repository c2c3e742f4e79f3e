"""A download whose deadline covers the whole exchange, headers included.

``urlopen``'s ``timeout`` bounds each wait for the server, so a server that
sends one header byte every half second is never cut off. Here every socket
the download opens is registered with a :class:`Deadline`, which shuts them
down when the deadline passes: the read blocked in the headers, the body or a
redirect then fails at once. urllib still does the rest (proxies from the
environment, redirects, TLS with the system's certificates).
"""

import contextlib
import http.client
import socket
import ssl
import threading
import time
import urllib.request


class Deadline:
    """Shuts down the sockets it watches ``seconds`` after it starts."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.give_up_at = time.monotonic() + seconds
        self.expired = False
        self._sockets = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc_info):
        self._timer.cancel()

    def watch(self, sock):
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def passed(self):
        return self.expired or time.monotonic() > self.give_up_at

    def _expire(self):
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock):
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


def open_url(url, *, timeout, deadline):
    """``urlopen(url, timeout=timeout)`` whose sockets ``deadline`` watches."""

    def watched(connection_class):
        class Watched(connection_class):
            def connect(self):
                super().connect()
                deadline.watch(self.sock)

        return Watched

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(watched(http.client.HTTPConnection), req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def __init__(self):
            super().__init__()
            self.ssl_context = ssl.create_default_context()

        def https_open(self, req):
            return self.do_open(
                watched(http.client.HTTPSConnection), req, context=self.ssl_context
            )

    opener = urllib.request.build_opener(HTTPHandler, HTTPSHandler)
    return opener.open(url, timeout=timeout)
