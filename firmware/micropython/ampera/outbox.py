# Flash-backed queue of events waiting for the broker's PUBACK, and the
# persisted identity (tag, seq) that makes every event id unique.
#
# Layout in the queue directory:
#   state.json          {"tag": "<8 hex>", "seq": next seq, "dropped": n}
#   0000000041.p        one file per event: zero-padded seq, then the type
#                       letter; the content is the exact payload to resend
#
# An event file is written (temporary name, then rename) before the state
# file, and at start-up seq becomes max(state seq, newest queued seq + 1), so
# a crash between the two writes never reuses a seq. The tag is 32 random
# bits made once per flash filesystem, so after a re-flash that wiped the
# state, new ids differ from the ones the gateway already deduplicated
# (a repeat tag has a chance of 1 in 2**32).

import os

try:
    from micropython import const
except ImportError:

    def const(value):  # type: ignore[misc]  # CPython: no compile-time constants
        return value


STATE = "state.json"
TMP_SUFFIX = ".tmp"
SEQ_DIGITS = const(10)
TYPE_LETTERS = {"press": "p", "hold": "h", "cancel": "c", "test": "t"}

# Why an event was evicted from a full queue (see Outbox.add).
EVICT_TEST = "evicted_test"
EVICT_MIDDLE = "evicted_middle"


class FlashFs:
    """Files in one directory of the board's flash (LittleFS on the ESP32) or a host folder."""

    def __init__(self, root):
        self.root = root
        try:
            os.mkdir(root)
        except OSError:
            pass  # exists already

    def _path(self, name):
        return "%s/%s" % (self.root, name)

    def names(self):
        return sorted(os.listdir(self.root))

    def read(self, name):
        try:
            with open(self._path(name), "rb") as f:
                return f.read()
        except OSError:
            return None

    def write(self, name, data):
        """Replace a file atomically: write a temporary file, then rename it over the old one."""
        tmp = self._path(name + TMP_SUFFIX)
        with open(tmp, "wb") as f:
            f.write(data)
        try:
            os.rename(tmp, self._path(name))
        except OSError:
            # FAT cannot rename over an existing file; LittleFS and POSIX can.
            self.remove(name)
            os.rename(tmp, self._path(name))

    def remove(self, name):
        try:
            os.remove(self._path(name))
        except OSError:
            pass


class Outbox:
    """Events in send order, each kept until the broker acknowledged it.

    max_events bounds the flash used. When the queue is full, add() evicts
    the oldest test event, or else the second-oldest event. The oldest event
    is the first alert of the outage, with the earliest time, and the new
    one is the latest thing the person did, so both stay. The eviction is
    counted in `dropped` (persisted) and returned to the caller.
    """

    def __init__(self, fs, max_events, tag_source):
        self.fs = fs
        self.max_events = max_events
        self.items = []  # [(seq, name)] in send order
        for name in fs.names():
            if name.endswith(TMP_SUFFIX):
                fs.remove(name)  # interrupted write; its rename never happened
            elif len(name) == SEQ_DIGITS + 2 and name[SEQ_DIGITS] == ".":
                try:
                    self.items.append((int(name[:SEQ_DIGITS]), name))
                except ValueError:
                    pass
        self.items.sort()
        self.tag = None
        self.seq = 0
        self.dropped = 0
        self._load_state(tag_source)

    def _load_state(self, tag_source):
        import json

        state = None
        raw = self.fs.read(STATE)
        if raw is not None:
            try:
                state = json.loads(raw)
            except ValueError:
                state = None
        if isinstance(state, dict) and isinstance(state.get("tag"), str):
            self.tag = state["tag"]
            self.seq = int(state.get("seq", 0))
            self.dropped = int(state.get("dropped", 0))
        else:
            self.tag = tag_source()
        if self.items:
            self.seq = max(self.seq, self.items[-1][0] + 1)
        self._save_state()

    def _save_state(self):
        self.fs.write(
            STATE, ('{"tag":"%s","seq":%d,"dropped":%d}' % (self.tag, self.seq, self.dropped)).encode()
        )

    def next_id(self):
        """Return (seq, event_id) of the next event; add() consumes them."""
        return self.seq, "%s-%d" % (self.tag, self.seq)

    def add(self, seq, event_type, payload):
        """Persist one event; return the eviction reason if the queue was full, else None."""
        evicted = None
        if len(self.items) >= self.max_events:
            evicted = self._evict()
        name = "%010d.%s" % (seq, TYPE_LETTERS[event_type])
        self.fs.write(name, payload)
        self.items.append((seq, name))
        self.seq = seq + 1
        self._save_state()
        return evicted

    def _evict(self):
        index = None
        for i in range(len(self.items)):
            if self.items[i][1].endswith(".t"):
                index = i
                break
        reason = EVICT_TEST
        if index is None:
            # The oldest event is kept; with max_events of 1 there is no middle.
            index = 1 if len(self.items) > 1 else 0
            reason = EVICT_MIDDLE
        seq, name = self.items.pop(index)
        self.fs.remove(name)
        self.dropped += 1
        return reason

    def head(self):
        """Return (seq, payload) of the oldest event, or None when empty."""
        while self.items:
            seq, name = self.items[0]
            data = self.fs.read(name)
            if data is not None:
                return seq, data
            self.items.pop(0)  # removed behind our back; nothing left to send
        return None

    def ack(self, seq):
        """Forget an event the broker acknowledged."""
        for i in range(len(self.items)):
            if self.items[i][0] == seq:
                self.fs.remove(self.items[i][1])
                self.items.pop(i)
                return True
        return False

    def __len__(self):
        return len(self.items)
