"""Checks that the platform's Python guide's A2A and SSE examples behave as the guide
says against the emulator at $UUMIT_BASE_URL.

The guide's examples: a generic `a2a_rpc` wrapper for tasks/send, tasks/get and
tasks/cancel; `subscribe_task`, which reads `data: ` lines of tasks/sendSubscribe until a
terminal status; and `stream_ai_create`, which prints each `data: ` chunk of
tasks/ai-create. This script does the same with httpx and fails on any difference.
"""

from __future__ import annotations

import json
import os
import sys

import httpx

TERMINAL = ("completed", "failed", "canceled")


def rpc(client: httpx.Client, method: str, params: dict, req_id: str) -> dict:
    response = client.post(
        "/a2a",
        json={"jsonrpc": "2.0", "id": req_id, "method": method, "params": params},
    )
    response.raise_for_status()
    body = response.json()
    assert body.get("id") == req_id, f"reply id {body.get('id')!r} is not {req_id!r}"
    if "error" in body:
        error = body["error"]
        raise RuntimeError(f"JSON-RPC error [{error['code']}]: {error['message']}")
    return body["result"]


def subscribe(client: httpx.Client, task_id: str) -> dict:
    request = {
        "jsonrpc": "2.0",
        "id": "sub-1",
        "method": "tasks/sendSubscribe",
        "params": {"id": task_id},
    }
    seen = []
    with client.stream("POST", "/a2a", json=request) as response:
        content_type = response.headers.get("content-type", "")
        assert content_type.startswith("text/event-stream"), content_type
        for line in response.iter_lines():
            if not line.startswith("data: "):
                continue
            payload = json.loads(line[6:])
            assert payload["id"] == "sub-1", payload
            if "error" in payload:
                raise RuntimeError(payload["error"]["message"])
            status = payload["result"].get("status")
            seen.append(status)
            if status in TERMINAL:
                print(f"subscription states: {' -> '.join(seen)}")
                return payload["result"]
    raise AssertionError(f"the stream ended without a terminal status after {seen}")


def stream_ai_create(client: httpx.Client, description: str) -> list[dict]:
    chunks = []
    with client.stream(
        "POST", "/api/v1/tasks/ai-create", json={"description": description}
    ) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if line.startswith("data: "):
                chunks.append(json.loads(line[6:]))
    return chunks


def per_use_capability(client: httpx.Client) -> str:
    body = client.get("/api/v1/capabilities", params={"page": 1, "page_size": 100}).json()
    assert body["code"] == 0, body
    for item in body["data"]["items"]:
        if item["pricing_model"] == "per_use":
            return item["id"]
    raise AssertionError("the emulator lists no per_use capability")


def main() -> int:
    headers = {
        "X-Api-Key": os.environ["UUMIT_API_KEY"],
        "X-Platform-User-Id": os.environ["UUMIT_USER_ID"],
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    base_url = os.environ["UUMIT_BASE_URL"]
    with httpx.Client(base_url=base_url, headers=headers, timeout=15.0) as client:
        capability_id = per_use_capability(client)

        created = rpc(client, "tasks/send", {"capability_id": capability_id}, "1")
        task_id = created["id"]
        print(f"Created: {task_id}, status: {created['status']}")
        assert created["status"] == "submitted", created
        task = rpc(client, "tasks/get", {"id": task_id}, "2")
        assert task["status"] == "submitted", task
        cancelled = rpc(client, "tasks/cancel", {"id": task_id}, "3")
        assert cancelled["status"] == "canceled", cancelled
        try:
            rpc(client, "tasks/cancel", {"id": task_id}, "4")
            raise AssertionError("a second cancel succeeded")
        except RuntimeError as error:
            assert "-32002" in str(error), error

        second = rpc(client, "tasks/send", {"capability_id": capability_id}, "5")
        final = subscribe(client, second["id"])
        assert final["status"] == "completed", final
        assert final["transaction_status"] == "settled", final

        chunks = stream_ai_create(client, "Translate a product manual to German")
        assert chunks, "ai-create sent no data lines"
        assert all("content" in c for c in chunks[:-1]), chunks
        draft = chunks[-1].get("draft")
        assert draft and draft["description"], chunks[-1]
        print(f"ai-create: {len(chunks) - 1} deltas, draft titled {draft['title']!r}")

        unauthenticated = httpx.post(
            f"{base_url}/a2a",
            json={"jsonrpc": "2.0", "id": "6", "method": "tasks/get", "params": {"id": task_id}},
        )
        assert unauthenticated.status_code == 401, unauthenticated.status_code
    print("python guide A2A and SSE examples: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
