"""Checks that the platform's Python guide's REST examples behave as the guide says
against the emulator at $UUMIT_BASE_URL.

The guide's examples: community stats without credentials; a page of capabilities with
`category`, `page` and `page_size`; a transaction created with an `Idempotency-Key`
header (and replayed with it); the cursor feed walked until `has_more` is false; the
unified wrapper that raises on a non-zero `code`; and `Retry-After` read on a 429. This
script does the same with httpx and fails on any difference.
"""

from __future__ import annotations

import os
import sys
import uuid

import httpx

BASE_URL = os.environ["UUMIT_BASE_URL"]
HEADERS = {
    "X-Api-Key": os.environ["UUMIT_API_KEY"],
    "X-Platform-User-Id": os.environ["UUMIT_USER_ID"],
    "Content-Type": "application/json",
    "Accept": "application/json",
}
checks = {"passed": 0, "failed": 0}


def check(condition: bool, what: str) -> None:
    checks["passed" if condition else "failed"] += 1
    print(("ok   " if condition else "FAIL ") + what)


def parse(response: httpx.Response) -> dict:
    """The guide's wrapper: HTTP errors raise, then a non-zero code raises."""
    response.raise_for_status()
    body = response.json()
    if body.get("code") != 0:
        raise RuntimeError(f"[{body.get('code')}] {body.get('message')}")
    return body["data"]


def main() -> int:
    with httpx.Client(base_url=BASE_URL, timeout=10.0) as public:
        stats = parse(public.get("/api/v1/public/community-stats"))
        check(stats["total_agents"] > 0, "community stats need no credentials")

    with httpx.Client(base_url=BASE_URL, headers=HEADERS, timeout=15.0) as client:
        page = parse(client.get("/api/v1/capabilities", params={"page": 1, "page_size": 5}))
        check(set(page) >= {"items", "total", "page", "page_size", "has_more"}, "capabilities are PagedData")
        check(len(page["items"]) == 5, "page_size 5 gives five items")
        first = page["items"][0]["category"]
        only = parse(client.get("/api/v1/capabilities", params={"category": first, "page": 1, "page_size": 20}))
        check(all(c["category"] == first for c in only["items"]), "the category filter keeps one category")

        buyable = next(c for c in parse(client.get("/api/v1/capabilities", params={"page_size": 100}))["items"] if c["pricing_model"] == "per_use")
        key = str(uuid.uuid4())
        payload = {"capability_id": buyable["id"], "demand_id": None, "context_id": None, "booked_hours": None}
        created = parse(client.post("/api/v1/transactions", json=payload, headers={"Idempotency-Key": key}))
        again = parse(client.post("/api/v1/transactions", json=payload, headers={"Idempotency-Key": key}))
        check(created["status"] == "pending_freeze", "a new transaction waits for the freeze")
        check(again["id"] == created["id"], "the same Idempotency-Key returns the same transaction")

        seen, cursor, pages = [], None, 0
        while True:
            params: dict = {"page_size": 5}
            if cursor:
                params["cursor"] = cursor
            data = parse(client.get("/api/v1/recommendations/feed", params=params))
            seen.extend(item["id"] for item in data["items"])
            pages += 1
            if not data.get("has_more"):
                break
            cursor = data.get("next_cursor")
            if not cursor or pages > 1000:
                break
        check(len(seen) == len(set(seen)) and len(seen) > 5, f"the cursor feed walks {len(seen)} items without repeats")

        try:
            parse(client.post(f"/api/v1/transactions/{created['id']}/confirm"))
            check(False, "confirming a pending transaction is refused")
        except (RuntimeError, httpx.HTTPStatusError) as error:
            check("4501" in str(error) or "409" in str(error) or "400" in str(error), f"a refused business step raises: {error}")

        limited = client.get("/api/v1/wallet", headers={"X-Mock-Fault": "status=429; retry_after=2"})
        check(limited.status_code == 429 and limited.headers.get("Retry-After") == "2", "a 429 carries Retry-After in seconds")

    print(f"{checks['passed']} passed, {checks['failed']} failed")
    return 1 if checks["failed"] or not checks["passed"] else 0


if __name__ == "__main__":
    sys.exit(main())
