"""A loopback TCP proxy that counts the bytes on the wire and can cut a connection once."""

from __future__ import annotations

import contextlib
import socket
import threading


class Proxy:
    def __init__(self, target_port: int, *, cut_after: int | None = None) -> None:
        self.target_port = target_port
        self.cut_after = cut_after  # cut the first connection that sends more than this
        self.sent = 0  # client -> server bytes
        self.received = 0  # server -> client bytes
        self.cuts = 0
        self._lock = threading.Lock()
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = int(self._listener.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            for s in (client, upstream):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            state = {"up": 0}
            threading.Thread(
                target=self._pump, args=(client, upstream, True, state), daemon=True
            ).start()
            threading.Thread(
                target=self._pump, args=(upstream, client, False, state), daemon=True
            ).start()

    def _pump(
        self, src: socket.socket, dst: socket.socket, up: bool, state: dict[str, int]
    ) -> None:
        try:
            while True:
                data = src.recv(1 << 16)
                if not data:
                    break
                with self._lock:
                    if up:
                        self.sent += len(data)
                        state["up"] += len(data)
                        if self.cut_after is not None and state["up"] > self.cut_after:
                            self.cut_after = None
                            self.cuts += 1
                            raise ConnectionResetError("cut by the test proxy")
                    else:
                        self.received += len(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def close(self) -> None:
        self._listener.close()
