"""An MCP server built with the Python `mcp` package, for our Rust client to call.

Serves the same tools twice on 127.0.0.1 with ephemeral ports: over the HTTP+SSE
transport (`/sse`) and over streamable HTTP (`/mcp`). Prints `SSE_URL=...` and
`HTTP_URL=...` once both listen, then runs until it is killed.
"""

import asyncio
import socket

import uvicorn
from mcp.server.mcpserver import Context, MCPServer

server = MCPServer("uumit-peer")


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
def caller_user_id(ctx: Context) -> str:
    """Return the X-Platform-User-Id header the call arrived with."""
    headers = ctx.headers or {}
    return headers.get("x-platform-user-id", "")


def listen():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


async def main():
    apps = {
        "SSE_URL": (server.sse_app(host="127.0.0.1"), "/sse"),
        "HTTP_URL": (server.streamable_http_app(host="127.0.0.1"), "/mcp"),
    }
    tasks = []
    for name, (app, path) in apps.items():
        sock = listen()
        config = uvicorn.Config(app, log_level="warning")
        tasks.append(asyncio.create_task(uvicorn.Server(config).serve(sockets=[sock])))
        host, port = sock.getsockname()
        print(f"{name}=http://{host}:{port}{path}", flush=True)
    await asyncio.gather(*tasks)


if __name__ == "__main__":
    asyncio.run(main())
