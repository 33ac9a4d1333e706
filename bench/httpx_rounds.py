"""The httpx side of `cargo bench -p uumit --bench vs_httpx`.

Reads commands from stdin, one per line: `<operation> <concurrency> <calls>`, runs that
many calls the way the platform's Python guide does (GET, raise_for_status, json, check
`code`), and prints the process CPU time per call in microseconds. Sequential rounds use
`httpx.Client`; concurrent rounds use one `httpx.AsyncClient` with asyncio.gather under a
semaphore. Both clients live for the whole run, so connections are reused, as in the guide.
"""

import asyncio
import os
import sys
import time

import httpx

BASE_URL = os.environ["UUMIT_BASE_URL"]
HEADERS = {
    "X-Api-Key": os.environ["UUMIT_API_KEY"],
    "X-Platform-User-Id": os.environ["UUMIT_USER_ID"],
    "Accept": "application/json",
}
REQUESTS = {
    "stats": ("/api/v1/public/community-stats", None),
    "page": ("/api/v1/capabilities", {"page": 1, "page_size": 20}),
}


def check(r: httpx.Response) -> dict:
    r.raise_for_status()
    body = r.json()
    if body.get("code") != 0:
        raise RuntimeError(f"code={body.get('code')} message={body.get('message')}")
    return body["data"]


def sequential(client: httpx.Client, operation: str, calls: int) -> None:
    path, params = REQUESTS[operation]
    for _ in range(calls):
        check(client.get(path, params=params))


async def concurrent(client: httpx.AsyncClient, operation: str, width: int, calls: int) -> None:
    path, params = REQUESTS[operation]
    gate = asyncio.Semaphore(width)

    async def one() -> None:
        async with gate:
            check(await client.get(path, params=params))

    await asyncio.gather(*(one() for _ in range(calls)))


def main() -> None:
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    sync_client = httpx.Client(base_url=BASE_URL, headers=HEADERS, timeout=10.0)
    loop = asyncio.new_event_loop()
    async_client = httpx.AsyncClient(
        base_url=BASE_URL, headers=HEADERS, timeout=10.0, limits=limits
    )
    for line in sys.stdin:
        operation, width, calls = line.split()
        width, calls = int(width), int(calls)
        started = time.process_time()
        if width == 1:
            sequential(sync_client, operation, calls)
        else:
            loop.run_until_complete(concurrent(async_client, operation, width, calls))
        elapsed = time.process_time() - started
        print(f"{elapsed * 1e6 / calls:.3f}", flush=True)
    loop.run_until_complete(async_client.aclose())
    sync_client.close()


if __name__ == "__main__":
    main()
