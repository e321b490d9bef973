"""A local stand-in for Stripe in test mode: `python -m portal.demo_stripe PORT` serves localstripe
(PyPI, a fake but stateful Stripe API) on 127.0.0.1 only, starting empty.

`make run` starts it so that the demo's enterprise buyer can pay by a Stripe test card without
reaching the internet, and the payment tests start it on a free port. localstripe's own command
listens on every interface; this one does not. It is never used in production, where
STRIPE_API_BASE is Stripe's.
"""

from __future__ import annotations

import sys


def serve(port: int) -> None:
    from aiohttp import web
    from localstripe.server import app

    web.run_app(app, host="127.0.0.1", port=port, print=None)


if __name__ == "__main__":
    serve(int(sys.argv[1]) if len(sys.argv) > 1 else 8420)
