"""The Python `mcp` package's SSE client against the emulator's MCP server.

Connects to $UUMIT_BASE_URL/mcp/sse with the platform's auth headers, initializes,
lists the tools, reads with `uuagent_search` and `uuagent_wallet`, then calls
`uuagent_create_transaction` twice with one idempotency key and checks that the
wallet moved once. Exits non-zero on the first failed check.
"""

import asyncio
import json
import os
import sys
import uuid
from decimal import Decimal

from mcp import ClientSession
from mcp.client.sse import sse_client

TOOLS = {
    "uuagent_discover",
    "uuagent_search",
    "uuagent_match_capability",
    "uuagent_wallet",
    "uuagent_query_credit",
    "uuagent_price_suggestion",
    "uuagent_invoke",
    "uuagent_create_transaction",
    "uuagent_settle_transaction",
}

checks = 0


def check(condition, message):
    global checks
    if not condition:
        raise SystemExit(f"mcp_python_client: FAILED: {message}")
    checks += 1


async def call_json(session, name, arguments):
    result = await session.call_tool(name, arguments=arguments)
    check(not result.is_error, f"{name} returned an error: {result.content}")
    check(len(result.content) == 1, f"{name} returned {len(result.content)} content blocks")
    check(result.content[0].type == "text", f"{name} returned {result.content[0].type} content")
    return json.loads(result.content[0].text)


async def main():
    base_url = os.environ["UUMIT_BASE_URL"]
    headers = {
        "X-Api-Key": os.environ["UUMIT_API_KEY"],
        "X-Platform-User-Id": os.environ["UUMIT_USER_ID"],
    }
    async with sse_client(f"{base_url}/mcp/sse", headers=headers) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            check(init.server_info.name == "uumit-mock", f"server name {init.server_info.name!r}")
            check(init.capabilities.tools is not None, "the server offers no tools capability")

            listed = await session.list_tools()
            names = {tool.name for tool in listed.tools}
            check(names == TOOLS, f"tools listed: {sorted(names)}")

            found = await call_json(session, "uuagent_search", {"query": "model", "page_size": 5})
            check(found["total"] > 0, f"uuagent_search found nothing: {found}")
            check(len(found["items"]) <= 5, "uuagent_search ignored page_size")

            before = await call_json(session, "uuagent_wallet", {})
            check(before["user_id"] == os.environ["UUMIT_USER_ID"], f"wallet of {before['user_id']}")

            page = await call_json(session, "uuagent_discover", {"page_size": 100})
            per_use = [c for c in page["items"] if c["pricing_model"] != "per_hour"]
            check(per_use, "no capability without hourly pricing to buy")
            capability = per_use[0]

            key = str(uuid.uuid4())
            arguments = {"capability_id": capability["id"], "idempotency_key": key}
            first = await call_json(session, "uuagent_create_transaction", arguments)
            second = await call_json(session, "uuagent_create_transaction", arguments)
            check(first["id"] == second["id"], f"two transactions for one key: {first['id']}, {second['id']}")
            check(first["status"] == "frozen", f"transaction status {first['status']}")

            after = await call_json(session, "uuagent_wallet", {})
            spent = Decimal(before["ut"]["available"]) - Decimal(after["ut"]["available"])
            price = Decimal(capability["price_ut"])
            check(spent == price, f"wallet moved {spent} UT for one {price} UT purchase")

            bad = await session.call_tool("uuagent_wallet", arguments={"user_id": str(uuid.uuid4())})
            check(bad.is_error, "uuagent_wallet accepted another user's id")

    print(f"mcp_python_client: {checks} passed, 0 failed")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except SystemExit:
        raise
    except BaseException as error:  # an exception group from anyio names the real cause
        print(f"mcp_python_client: FAILED: {error!r}", file=sys.stderr)
        raise
