"""Schemathesis hooks for the UUMit emulator.

The platform replays the first response stored for a (user, Idempotency-Key) pair to
any later request with that key, whatever its path or body. Generated keys repeat
across operations (Hypothesis favours short strings such as "0"), so one operation
would receive another's replayed response. Real clients send a fresh key per logical
call; this hook does the same for every generated request that carries the header.
"""

import itertools

import schemathesis

_COUNTER = itertools.count(1)


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    # Every phase goes through here, the coverage phase included.
    if case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = f"schemathesis-{next(_COUNTER)}"
