"""A simulated ESP32 board for the technician tool's tests.

``FakeMicroPython`` speaks MicroPython's raw REPL (including raw-paste mode)
and runs the Python code it receives in CPython, with ``open`` and ``os``
confined to a directory that plays the board's file system. Faults can be
switched on: a busy ``main.py`` that needs several Ctrl-C, a board that
never replies, and bytes flipped while a file is written.

``PtyBoard`` serves it on a pseudo-terminal. ``SocketBoard`` serves it on a
``socket://`` URL and, like a real board after BOOT+RESET, hands a
connection that starts with a SLIP frame (0xC0) to a simulated ROM
bootloader (the ``esp32-mock-bootloader`` package), so ``flash`` and
``install`` use the same port as on a real board.
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import hashlib
import io
import os
import pty
import select
import socket
import struct
import threading
import time
import traceback
import tty
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

RAW_PROMPT = b"raw REPL; CTRL-B to exit\r\n>"
FRIENDLY_BANNER = b"\r\nMicroPython v1.25.0 on 2025-04-15; Generic ESP32 module with ESP32\r\n>>> "
PASTE_WINDOW = 128


class BoardReset(BaseException):
    """Raised inside executed code by ``machine.reset()``."""


class FakeMicroPython:
    """The REPL side of a board; feed it bytes, it calls ``write`` with its output."""

    def __init__(
        self,
        root: Path,
        write: Callable[[bytes], None] | None = None,
        busy_interrupts: int = 0,
        dead: bool = False,
        corrupt_writes: int = 0,
        reboot_on_interrupt_s: float | None = None,
        on_reset: Callable[[], None] | None = None,
    ) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.write = write or (lambda data: None)
        self.busy_interrupts = busy_interrupts
        self.dead = dead
        self.corrupt_writes = corrupt_writes
        self.reboot_on_interrupt_s = reboot_on_interrupt_s
        self.booting_until = 0.0
        self.on_reset = on_reset
        self.resets = 0
        self.interrupts_seen = 0
        self.mode = "busy" if busy_interrupts else "friendly"
        self.buffer = bytearray()
        self.paste_received = 0
        self.namespace: dict[str, Any] = {}
        self.lock = threading.Lock()

    # --- file system confined to root ------------------------------------

    def _host_path(self, path: str) -> Path:
        relative = os.path.normpath("/" + str(path)).lstrip("/")
        return self.root / relative

    def _open(self, path: str, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = open(self._host_path(path), mode, *args, **kwargs)  # noqa: SIM115
        if "w" in mode and "b" in mode and self.corrupt_writes > 0:
            self.corrupt_writes -= 1
            return _CorruptingFile(handle)
        return handle

    def _os_module(self) -> types.ModuleType:
        fake = types.ModuleType("os")
        host = self._host_path

        def ilistdir(path: str = "/") -> Any:
            for entry in os.scandir(host(path)):
                kind = 0x4000 if entry.is_dir() else 0x8000
                yield (entry.name, kind, 0, entry.stat().st_size)

        fake.mkdir = lambda path: os.mkdir(host(path))  # type: ignore[attr-defined]
        fake.remove = lambda path: os.remove(host(path))  # type: ignore[attr-defined]
        fake.rmdir = lambda path: os.rmdir(host(path))  # type: ignore[attr-defined]
        fake.rename = lambda old, new: os.rename(host(old), host(new))  # type: ignore[attr-defined]
        fake.stat = lambda path: tuple(os.stat(host(path)))  # type: ignore[attr-defined]
        fake.listdir = lambda path="/": os.listdir(host(path))  # type: ignore[attr-defined]
        fake.ilistdir = ilistdir  # type: ignore[attr-defined]
        return fake

    def _machine_module(self) -> types.ModuleType:
        fake = types.ModuleType("machine")

        def reset() -> None:
            raise BoardReset()

        fake.reset = reset  # type: ignore[attr-defined]
        return fake

    def _builtins(self) -> dict[str, Any]:
        table = dict(vars(builtins))
        modules = {"os": self._os_module(), "machine": self._machine_module()}
        real_import = builtins.__import__

        def board_import(name: str, *args: Any, **kwargs: Any) -> Any:
            if name in modules:
                return modules[name]
            return real_import(name, *args, **kwargs)

        table["__import__"] = board_import
        table["open"] = self._open
        return table

    # --- REPL protocol ----------------------------------------------------

    def feed(self, data: bytes) -> None:
        if self.dead:
            return
        with self.lock:
            for value in data:
                self._feed_byte(value)

    def _feed_byte(self, value: int) -> None:
        byte = bytes([value])
        if time.monotonic() < self.booting_until:
            return  # the board is restarting and reads nothing
        if self.mode == "busy":
            if byte == b"\x03":
                self.interrupts_seen += 1
                if self.reboot_on_interrupt_s is not None:
                    # The Ampera firmware handles Ctrl-C by writing its
                    # maintenance flag and resetting into maintenance mode.
                    self.mode = "friendly"
                    self.resets += 1
                    self.booting_until = time.monotonic() + self.reboot_on_interrupt_s
                    self.write(b"interrupted: restarting into maintenance mode\r\n")
                    return
                if self.interrupts_seen >= self.busy_interrupts:
                    self.mode = "friendly"
                    self.write(b"\r\nKeyboardInterrupt:\r\n>>> ")
            return
        if self.mode == "paste":
            if byte == b"\x04":
                self.write(b"\x04")
                self._execute(bytes(self.buffer), raw_ok=False)
                return
            self.buffer += byte
            self.paste_received += 1
            if self.paste_received >= PASTE_WINDOW:
                self.paste_received = 0
                self.write(b"\x01")
            return
        if byte == b"\x03":
            self.buffer.clear()
            if self.mode == "raw":
                self.write(b">")
            else:
                self.write(b"\r\n>>> ")
            return
        if self.mode == "raw" and byte == b"\x01" and self.buffer.endswith(b"\x05A"):
            # Raw-paste request: reply with the flow-control window size.
            self.buffer.clear()
            self.mode = "paste"
            self.paste_received = 0
            self.write(b"R\x01" + struct.pack("<H", PASTE_WINDOW))
            return
        if byte == b"\x01":
            self.mode = "raw"
            self.buffer.clear()
            self.write(b"\r\n" + RAW_PROMPT)
            return
        if byte == b"\x02":
            self.mode = "friendly"
            self.write(FRIENDLY_BANNER)
            return
        if self.mode != "raw":
            return
        self.buffer += byte
        if byte == b"\x04":
            code = bytes(self.buffer[:-1])
            self.buffer.clear()
            self._execute(code, raw_ok=True)

    def _execute(self, code: bytes, raw_ok: bool) -> None:
        self.buffer.clear()
        self.mode = "raw"
        if raw_ok:
            self.write(b"OK")
        out, err = io.StringIO(), io.StringIO()
        self.namespace.setdefault("__builtins__", self._builtins())
        reset = False
        with contextlib.redirect_stdout(out):
            try:
                exec(compile(code.decode(), "<stdin>", "exec"), self.namespace)
            except BoardReset:
                reset = True
            except OSError as exc:
                # MicroPython names the errno symbol, and mpremote maps it back.
                name = errno.errorcode.get(exc.errno or 0, "EIO")
                err.write(
                    f"Traceback (most recent call last):\nOSError: [Errno {exc.errno}] {name}\n"
                )
            except Exception:  # noqa: BLE001 - reported to the host as MicroPython does
                err.write(traceback.format_exc(limit=0))
        if reset:
            self._reset()
            return
        self.write(out.getvalue().replace("\n", "\r\n").encode() + b"\x04")
        self.write(err.getvalue().replace("\n", "\r\n").encode() + b"\x04>")

    def _reset(self) -> None:
        self.resets += 1
        self.namespace = {}
        self.mode = "friendly"
        self.write(b"\r\nets Jun  8 2016 00:22:57\r\nrst:0x1 (POWERON_RESET)" + FRIENDLY_BANNER)
        if self.on_reset is not None:
            threading.Thread(target=self.on_reset, daemon=True).start()

    def file_hash(self, path: str) -> str:
        return hashlib.sha256(self._host_path(path).read_bytes()).hexdigest()


class _CorruptingFile:
    """Flips one bit of the first byte written, as a noisy cable might."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.corrupted = False

    def write(self, data: bytes) -> int:
        if not self.corrupted and data:
            self.corrupted = True
            data = bytes([data[0] ^ 0x01]) + bytes(data[1:])
        return self.handle.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.handle, name)

    def __enter__(self) -> _CorruptingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


class PtyBoard:
    """A FakeMicroPython behind a pseudo-terminal; ``port`` is the path to open.

    With ``bootloader_port`` the board also plays the ROM bootloader: a
    session (from opening the port to closing it) whose first byte starts a
    SLIP frame (0xC0) is forwarded to the simulated bootloader on that TCP
    port, as a real board in download mode would answer esptool.
    """

    def __init__(self, root: Path, bootloader_port: int | None = None, **options: Any) -> None:
        self.master, slave = pty.openpty()
        tty.setraw(slave)
        self.port = os.ttyname(slave)
        self.bootloader_port = bootloader_port
        self.bootloader_sessions = 0
        self.slave: int | None = slave
        if bootloader_port is not None:
            # Without an open slave of our own, the master reads EIO once the
            # client closes the port, which marks the end of a session.
            os.close(slave)
            self.slave = None
        self.device = FakeMicroPython(root, write=self._write, **options)
        self._upstream: socket.socket | None = None
        self._session_started = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                written = os.write(self.master, view)
            except OSError:
                return  # no client has the port open, so the bytes are lost as on a wire
            view = view[written:]

    def _end_session(self) -> None:
        self._session_started = False
        if self._upstream is not None:
            self._upstream.close()
            self._upstream = None

    def _pump(self) -> None:
        while not self._stop.is_set():
            sources = [self.master] + ([self._upstream] if self._upstream else [])
            ready, _, _ = select.select(sources, [], [], 0.05)
            if self._upstream is not None and self._upstream in ready:
                data = self._upstream.recv(65536)
                if data:
                    self._write(data)
                else:
                    self._end_session()
            if self.master not in ready:
                continue
            try:
                data = os.read(self.master, 4096)
            except OSError:
                # EIO: the client closed the port.
                self._end_session()
                self._stop.wait(0.01)
                continue
            if not self._session_started:
                self._session_started = True
                if data[:1] == b"\xc0" and self.bootloader_port is not None:
                    self.bootloader_sessions += 1
                    self._upstream = socket.create_connection(("127.0.0.1", self.bootloader_port))
            if self._upstream is not None:
                self._upstream.sendall(data)
            else:
                self.device.feed(data)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self._end_session()
        os.close(self.master)
        if self.slave is not None:
            os.close(self.slave)


class SocketBoard:
    """A board on ``socket://127.0.0.1:PORT``: bootloader or MicroPython per connection."""

    def __init__(self, root: Path, bootloader_port: int | None = None, **options: Any) -> None:
        self.bootloader_port = bootloader_port
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = f"socket://127.0.0.1:{self.server.getsockname()[1]}"
        self.connection: socket.socket | None = None
        self.device = FakeMicroPython(root, write=self._write, **options)
        self.bootloader_sessions = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _write(self, data: bytes) -> None:
        if self.connection is not None:
            with contextlib.suppress(OSError):
                self.connection.sendall(data)

    def _accept(self) -> None:
        self.server.settimeout(0.1)
        while not self._stop.is_set():
            try:
                connection, _ = self.server.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        # Small REPL replies must not wait for Nagle's algorithm.
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with connection:
            first = connection.recv(4096)
            if not first:
                return
            if first[0] == 0xC0 and self.bootloader_port is not None:
                self.bootloader_sessions += 1
                self._proxy_to_bootloader(connection, first)
                return
            self.connection = connection
            self.device.feed(first)
            while not self._stop.is_set():
                try:
                    data = connection.recv(4096)
                except OSError:
                    break
                if not data:
                    break
                self.device.feed(data)
            self.connection = None

    def _proxy_to_bootloader(self, client: socket.socket, first: bytes) -> None:
        with socket.create_connection(("127.0.0.1", self.bootloader_port)) as upstream:
            upstream.sendall(first)
            pair = {client: upstream, upstream: client}
            while not self._stop.is_set():
                ready, _, _ = select.select(list(pair), [], [], 0.1)
                for source in ready:
                    try:
                        data = source.recv(65536)
                    except OSError:
                        data = b""
                    if not data:
                        return
                    pair[source].sendall(data)

    def close(self) -> None:
        self._stop.set()
        self.server.close()
        self._thread.join(2)
