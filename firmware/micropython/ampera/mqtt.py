# A small MQTT 3.1.1 client: CONNECT with credentials and last will,
# PUBLISH at QoS 0 and 1, SUBSCRIBE, PINGREQ, and reading incoming packets
# without blocking when nothing is there. It speaks to a transport object
# (write, read, readable, close), so the same code runs over an ESP32 socket,
# a TLS socket, a CPython socket in the twin and a recording fake in tests.
#
# Every network failure surfaces as NetworkError; the application catches
# it in one place and schedules the reconnect.

from ampera import clock

try:
    from micropython import const
except ImportError:

    def const(value):  # type: ignore[misc]  # CPython: no compile-time constants
        return value


CONNECT = const(0x10)
CONNACK = const(0x20)
PUBLISH = const(0x30)
PUBACK = const(0x40)
SUBSCRIBE = const(0x82)
SUBACK = const(0x90)
PINGREQ = const(0xC0)
PINGRESP = const(0xD0)
DISCONNECT = const(0xE0)
MAX_PACKET = const(4096)

CONNACK_ERRORS = {
    1: "unacceptable protocol version",
    2: "client id rejected",
    3: "server unavailable",
    4: "bad user name or password",
    5: "not authorised",
}


class NetworkError(Exception):
    """Any failure of WiFi, socket, TLS or MQTT session; the link must be rebuilt."""


def _string(text):
    data = text.encode() if isinstance(text, str) else text
    return bytes((len(data) >> 8, len(data) & 0xFF)) + data


class Client:
    def __init__(self, client_id, username=None, password=None, keepalive_s=60, will=None, clean_session=False):
        self.client_id = client_id
        self.username = username
        self.password = password
        self.keepalive_ms = keepalive_s * 1000
        self.keepalive_s = keepalive_s
        self.will = will  # (topic, payload, qos, retain) or None
        self.clean_session = clean_session
        self.transport = None
        self.pid = 0
        self.last_tx = 0
        self.ping_sent = None
        self.header = bytearray(5)  # fixed header buffer, reused for every packet
        self.on_message = None  # callback(topic, payload)
        self.on_puback = None  # callback(packet id)
        self.on_suback = None  # callback(packet id, granted qos)

    # Sending

    def _send(self, first_byte, body, now):
        hdr = self.header
        hdr[0] = first_byte
        n = len(body)
        i = 1
        while True:
            byte = n & 0x7F
            n >>= 7
            hdr[i] = byte | 0x80 if n else byte
            i += 1
            if not n:
                break
        t = self.transport
        if t is None:
            raise NetworkError("not connected")
        t.write(memoryview(hdr)[:i])
        if body:
            t.write(body)
        self.last_tx = now

    def next_pid(self):
        self.pid = self.pid % 65535 + 1
        return self.pid

    def connect(self, transport, now):
        """Send CONNECT and wait for CONNACK; return the session-present flag."""
        self.transport = transport
        self.ping_sent = None
        flags = 0x02 if self.clean_session else 0
        body = _string("MQTT") + b"\x04"
        tail = _string(self.client_id)
        if self.will is not None:
            topic, message, qos, retain = self.will
            flags |= 0x04 | (qos << 3) | (0x20 if retain else 0)
            tail += _string(topic) + _string(message)
        if self.username is not None:
            flags |= 0x80
            tail += _string(self.username)
            if self.password is not None:
                flags |= 0x40
                tail += _string(self.password)
        body += bytes((flags, self.keepalive_s >> 8, self.keepalive_s & 0xFF)) + tail
        self._send(CONNECT, body, now)
        kind, data = self._read_packet()
        if kind != CONNACK or len(data) != 2:
            raise NetworkError("expected CONNACK, got packet type 0x%02x" % kind)
        if data[1] != 0:
            raise NetworkError(
                "broker refused the connection: %s" % CONNACK_ERRORS.get(data[1], "code %d" % data[1])
            )
        return bool(data[0] & 1)

    def publish(self, topic, message, qos, retain, now, pid=None, dup=False):
        """Send PUBLISH; return the packet id for QoS 1 (pid is reused on a resend)."""
        body = _string(topic)
        if qos:
            if pid is None:
                pid = self.next_pid()
            body += bytes((pid >> 8, pid & 0xFF))
        first = PUBLISH | (qos << 1)
        if retain:
            first |= 0x01
        if dup and qos:
            first |= 0x08
        self._send(first, body + message, now)
        return pid

    def subscribe(self, topic, qos, now):
        pid = self.next_pid()
        self._send(SUBSCRIBE, bytes((pid >> 8, pid & 0xFF)) + _string(topic) + bytes((qos,)), now)
        return pid

    def disconnect(self, now):
        try:
            self._send(DISCONNECT, b"", now)
        finally:
            self.close()

    def close(self):
        t = self.transport
        self.transport = None
        if t is not None:
            try:
                t.close()
            except Exception:
                pass

    # Keepalive

    def keepalive(self, now):
        """Send PINGREQ when the link was quiet for half the keepalive; fail when PINGRESP is overdue."""
        if self.ping_sent is not None:
            if clock.diff(now, self.ping_sent) >= self.keepalive_ms:
                raise NetworkError("no PINGRESP within %d s" % self.keepalive_s)
        elif clock.diff(now, self.last_tx) >= self.keepalive_ms // 2:
            self._send(PINGREQ, b"", now)
            self.ping_sent = now

    # Receiving

    def _read_packet(self):
        t = self.transport
        if t is None:
            raise NetworkError("not connected")
        first = t.read(1)[0]
        n = 0
        shift = 0
        while True:
            byte = t.read(1)[0]
            n |= (byte & 0x7F) << shift
            if not byte & 0x80:
                break
            shift += 7
            if shift > 21:
                raise NetworkError("malformed remaining length")
        if n > MAX_PACKET:
            raise NetworkError("packet of %d bytes exceeds %d" % (n, MAX_PACKET))
        return first, t.read(n) if n else b""

    def poll(self, now):
        """Handle every packet that has arrived; return how many were handled."""
        handled = 0
        t = self.transport
        while t is not None and t.readable():
            first, data = self._read_packet()
            self._handle(first, data, now)
            handled += 1
            t = self.transport
        return handled

    def _handle(self, first, data, now):
        kind = first & 0xF0
        if kind == PUBLISH:
            qos = (first >> 1) & 0x03
            n = (data[0] << 8) | data[1]
            topic = bytes(data[2 : 2 + n]).decode()
            pos = 2 + n
            if qos:
                pid = (data[pos] << 8) | data[pos + 1]
                pos += 2
                # Acknowledge first: the handler keeps nothing that needs durability.
                self._send(PUBACK, bytes((pid >> 8, pid & 0xFF)), now)
            if self.on_message is not None:
                self.on_message(topic, bytes(data[pos:]))
        elif kind == PUBACK:
            if self.on_puback is not None:
                self.on_puback((data[0] << 8) | data[1])
        elif kind == SUBACK:
            if self.on_suback is not None:
                self.on_suback((data[0] << 8) | data[1], data[2])
        elif kind == PINGRESP:
            self.ping_sent = None
        else:
            raise NetworkError("unexpected packet type 0x%02x" % kind)
