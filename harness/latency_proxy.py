"""A TCP proxy that adds network latency and counts round trips.

    proxies = LatencyProxies()                      # one event loop thread for all of them
    sm = proxies.add("secretsmanager", "127.0.0.1", front_port)
    db = proxies.add("mariadb", "127.0.0.1", mariadb_port)
    proxies.set_rtt(0.020)                          # 10 ms each way, every connection
    ... the client connects to 127.0.0.1:sm.port and 127.0.0.1:db.port ...
    turns = proxies.turns_between(t0, t1)           # what happened meanwhile
    proxies.stop()

Each direction's bytes are delivered RTT/2 after they arrive, in order. A
new connection also pays TCP's handshake: the client's first bytes leave no
earlier than one RTT after it connected (SYN, SYN-ACK), and the server's no
earlier than 1.5 RTT (the server learns of the connection from the
client's ACK), so a server that speaks first (MySQL's greeting) is heard
two RTTs after the connect, as on a real network.

A *turn* is one round trip the client waits for: the connect itself, and
then each burst of client bytes followed by the server's answer (a server
greeting answers the connect's ACK). Each turn is kept as an interval
(client sends, answer delivered). `serial_round_trips` counts the largest
set of turns no two of which overlap in time: turns on two connections at
once (a request in flight during a database login) count once, turns one
after the other count each. Only byte counts and times are kept, never
content: the bytes carry passwords.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Turn:
    proxy: str
    connection: int
    start: float
    end: float
    kind: str  # "connect" or "exchange"


@dataclass
class _Connection:
    proxy: str
    number: int
    opened: float
    rtt: float
    # When the current client burst began; None while the server has the word.
    burst_started: float | None = None
    turns: list[Turn] = field(default_factory=list)


class LatencyProxy:
    def __init__(self, owner: LatencyProxies, name: str, upstream_host: str, upstream_port: int):
        self.owner, self.name = owner, name
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self.server: asyncio.base_events.Server | None = None

    async def listen(self) -> None:
        self.server = await asyncio.start_server(self.accept, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        rtt = self.owner.rtt
        opened = time.monotonic()
        connection = _Connection(self.name, next(self.owner.numbers), opened, rtt)
        connection.turns.append(Turn(self.name, connection.number, opened, opened + rtt, "connect"))
        # The ACK that ends the handshake is the client's turn: a greeting answers it.
        connection.burst_started = opened + rtt
        self.owner.connections.append(connection)
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.close()
            return
        for writer in (client_writer, upstream_writer):
            sock = writer.get_extra_info("socket")
            if sock is not None:
                import socket as _socket
                sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
        upward = self.pump(client_reader, upstream_writer, connection, opened + rtt, to_server=True)
        downward = self.pump(upstream_reader, client_writer, connection, opened + 1.5 * rtt, to_server=False)
        await asyncio.gather(upward, downward, return_exceptions=True)

    async def pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, connection: _Connection,
                   earliest: float, to_server: bool) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        one_way = connection.rtt / 2

        async def deliver() -> None:
            while True:
                at, data = await queue.get()
                delay = at - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
                if not to_server and connection.burst_started is not None:
                    connection.turns.append(Turn(connection.proxy, connection.number,
                                                 connection.burst_started, time.monotonic(), "exchange"))
                    connection.burst_started = None
            writer.close()

        delivering = asyncio.ensure_future(deliver())
        try:
            while True:
                try:
                    data = await reader.read(65536)
                except (ConnectionError, OSError):
                    data = b""
                now = time.monotonic()
                sent = max(now, earliest)
                if data and to_server and connection.burst_started is None:
                    connection.burst_started = sent
                await queue.put((sent + one_way, data))
                if not data:
                    break
        finally:
            try:
                await delivering
            except (ConnectionError, OSError):
                pass


def serial_round_trips(turns: list[Turn], rtt: float) -> int:
    """The most turns of which no two overlap (by more than a quarter RTT)."""
    slack = rtt / 4
    count, free_from = 0, float("-inf")
    for turn in sorted(turns, key=lambda t: t.end):
        if turn.start >= free_from - slack:
            count += 1
            free_from = turn.end
    return count


class LatencyProxies:
    """Proxies sharing one event loop thread, one RTT and one record of turns."""

    def __init__(self) -> None:
        self.rtt = 0.0
        self.numbers = itertools.count(1)
        self.connections: list[_Connection] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="latency-proxies", daemon=True)
        self.thread.start()
        self.proxies: list[LatencyProxy] = []

    def add(self, name: str, upstream_host: str, upstream_port: int) -> LatencyProxy:
        proxy = LatencyProxy(self, name, upstream_host, upstream_port)
        asyncio.run_coroutine_threadsafe(proxy.listen(), self.loop).result(10)
        self.proxies.append(proxy)
        return proxy

    def set_rtt(self, seconds: float) -> None:
        """For connections opened from now on."""
        self.rtt = seconds

    def turns_between(self, start: float, end: float) -> list[Turn]:
        return [turn for connection in list(self.connections) for turn in list(connection.turns)
                if start <= turn.start and turn.end <= end]

    def stop(self) -> None:
        async def close() -> None:
            for proxy in self.proxies:
                if proxy.server is not None:
                    proxy.server.close()
        asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
