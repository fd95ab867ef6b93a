# The firmware's main loop body, shared by the ESP32 (main.py) and the
# device twin. It wires the buttons, the alert state machine, the outbox,
# the MQTT client and the LED to a Board adapter (see hw.py for the ESP32
# one). The Board interface:
#
#   ticks_ms()                      tick time; wall_ms() Unix ms or None
#   take_edges() -> [(button, t, pressed)]   raw edges recorded by the IRQ
#   is_pressed(button)              current level ("panic" or "cancel")
#   set_led(on), set_buzzer(on), battery_mv() -> int or None
#   wifi_start(ssid, password), wifi_connected(), wifi_rssi()
#   open_transport(host, port, tls, ca_file, timeout_ms) -> transport
#   sync_time(host) -> bool, wake_reason() -> "button", "timer" or None
#   watchdog_feed(), deep_sleep(ms), sleep_ms(ms), random_bytes(n)
#
# Network errors: every call that touches the network runs inside
# App._network(), and NetworkError is caught in one place, App.tick(), which
# closes the session and schedules the reconnect with a capped exponential
# backoff.
#
# First-connect policy: the first attempt starts at once. A broker or WiFi
# that is down at boot is handled like any later outage (backoff from
# backoff_min_ms), and the buttons work and queue events from the start.

from ampera import FW_VERSION, clock, gesture, indicator, payload
from ampera.device import Device
from ampera.mqtt import Client, NetworkError
from ampera.outbox import Outbox

EVENT_QOS = 1
FEEDBACK_QOS = 1
STATUS_QOS = 1
HEARTBEAT_QOS = 0
FEEDBACK_GRACE_MS = 1000
OFFLINE_ACK_MS = 2000

# Link states, for logs and the twin.
OFFLINE = "offline"
WIFI_WAIT = "wifi_wait"
UP = "up"


def battery_percent(mv, battery):
    """Map a cell voltage to 0-100 linearly between empty_mv and full_mv (an approximation)."""
    if mv is None or battery is None:
        return None
    span = battery["full_mv"] - battery["empty_mv"]
    percent = (mv - battery["empty_mv"]) * 100 // span
    return max(0, min(100, percent))


class App:
    def __init__(self, cfg, board, fs, log=None):
        self.cfg = cfg
        self.t = cfg["timings"]
        self.board = board
        self.log = log or (lambda *a: None)
        self.outbox = Outbox(fs, cfg["queue_max"], self._new_tag)
        self.device = Device(cfg, self.outbox, self.log)
        self.buttons = {"panic": gesture.panic_button(self.t)}
        if cfg["pins"]["cancel"] is not None:
            self.buttons["cancel"] = gesture.cancel_button(self.t)
        self.player = indicator.Player(
            cfg["buzzer_mode"] == "feedback" and cfg["pins"]["buzzer"] is not None
        )
        device_id = cfg["device_id"]
        self.topic_event = payload.topic(device_id, payload.EVENT)
        self.topic_feedback = payload.topic(device_id, payload.FEEDBACK)
        self.topic_status = payload.topic(device_id, payload.STATUS)
        self.topic_heartbeat = payload.topic(device_id, payload.HEARTBEAT)
        mqtt = cfg["mqtt"]
        self.client = Client(
            device_id,
            mqtt["username"],
            mqtt["password"],
            mqtt["keepalive_s"],
            will=(self.topic_status, payload.STATUS_OFFLINE, STATUS_QOS, True),
            clean_session=False,
        )
        self.client.on_message = self._on_message
        self.client.on_puback = self._on_puback
        self.state = OFFLINE
        self.wifi_since = None
        self.retry_at = None
        self.backoff_ms = self.t["backoff_min_ms"]
        self.attempts = 0
        self.last_error = None
        self.inflight = None  # (seq, packet id) of the event awaiting PUBACK
        self.offline_pid = None  # packet id of the retained offline status
        self.offline_acked = False
        self.next_heartbeat = None
        self.heartbeats = 0
        self.up_since = None
        self.started_at = 0
        self.time_synced = False
        self.now = 0
        self.uptime_s = 0
        self.uptime_rest_ms = 0
        self.bat = None
        self.gestures = []  # reused every tick

    def _new_tag(self):
        return "".join("%02x" % b for b in self.board.random_bytes(4))

    # Start-up

    def start(self, now):
        self.now = now
        self.started_at = now
        self._read_battery()
        wake = self.board.wake_reason()
        if wake == "timer":
            # A heartbeat wake is no activity: sleep again once it is sent.
            self.device.last_activity = clock.add(now, -self.t["awake_ms"])
        else:
            self.device.last_activity = now
        if wake == "button":
            # The press that woke the chip may be over already. The wake
            # reason records that it happened; the pin may no longer show it.
            name = self.buttons["panic"].wake_press(now, self.board.is_pressed("panic"))
            if name is not None:
                self._gesture(name, now)
        elif self.cfg["test_at_boot"]:
            self._gesture(gesture.CANCEL_LONG_HOLD, now)
        self.log("started fw=%s device=%s queued=%d" % (FW_VERSION, self.cfg["device_id"], len(self.outbox)))

    # One pass of the main loop

    def tick(self, now):
        elapsed = clock.diff(now, self.now)
        self.now = now
        if elapsed > 0:
            self.uptime_rest_ms += elapsed
            self.uptime_s += self.uptime_rest_ms // 1000
            self.uptime_rest_ms %= 1000
        self._buttons(now)
        try:
            self._network(now)
        except NetworkError as exc:
            self._drop(now, exc)
        self._indicate(now)
        self.board.watchdog_feed()

    def _buttons(self, now):
        out = self.gestures
        for name, t, pressed in self.board.take_edges():
            button = self.buttons.get(name)
            if button is not None:
                button.edge(t, pressed, out)
        for button in self.buttons.values():
            button.poll(now, out)
        for name in out:
            self._gesture(name, now)
        del out[:]

    def _gesture(self, name, now):
        decision = self.device.on_gesture(name, now, self.wall_ms(), self.bat)
        self.log("gesture name=%s decision=%s" % (name, decision))

    def wall_ms(self):
        """Unix milliseconds, or None until the clock was set (NTP, or kept across deep sleep)."""
        return self.board.wall_ms()

    # Network

    def _network(self, now):
        client = self.client
        if client.transport is None:
            if self.retry_at is not None and not clock.due(now, self.retry_at):
                return
            if not self.board.wifi_connected():
                if self.wifi_since is None:
                    self.board.wifi_start(self.cfg["wifi"]["ssid"], self.cfg["wifi"]["password"])
                    self.wifi_since = now
                    self.state = WIFI_WAIT
                elif clock.diff(now, self.wifi_since) >= self.t["wifi_timeout_ms"]:
                    self.wifi_since = None
                    raise NetworkError("WiFi %r not connected after %d ms" % (self.cfg["wifi"]["ssid"], self.t["wifi_timeout_ms"]))
                return
            self.wifi_since = None
            self._connect(now)
        client.poll(now)
        self._send_next(now)
        if clock.due(now, self.next_heartbeat):
            self._heartbeat(now)
        client.keepalive(now)

    def _connect(self, now):
        # NOTE: this blocks the loop for up to a few connect_timeout_ms
        # (TCP, TLS, CONNACK). Button edges keep their interrupt times and
        # are recognised afterwards, but the LED freezes meanwhile.
        mqtt = self.cfg["mqtt"]
        self.attempts += 1
        transport = self.board.open_transport(
            mqtt["host"], mqtt["port"], mqtt["tls"], mqtt["ca"], self.t["connect_timeout_ms"]
        )
        try:
            self.client.connect(transport, now)
        except NetworkError:
            self.client.close()
            raise
        # Subscribe after every CONNACK, whatever the session-present flag is.
        self.client.subscribe(self.topic_feedback, FEEDBACK_QOS, now)
        self.client.publish(self.topic_status, payload.status_online(FW_VERSION), STATUS_QOS, True, now)
        self.state = UP
        self.up_since = now
        self.inflight = None
        self.retry_at = None
        self.backoff_ms = self.t["backoff_min_ms"]
        self.next_heartbeat = now
        self.log("link_up host=%s attempts=%d queued=%d" % (mqtt["host"], self.attempts, len(self.outbox)))
        self.attempts = 0
        self.last_error = None
        # Set the clock once per boot, and after a deep-sleep wake only if
        # the RTC lost it (it keeps running in deep sleep).
        if self.cfg["ntp_host"] and not self.time_synced and (
            self.cfg["power"] == "mains" or self.board.wall_ms() is None
        ):
            self.time_synced = self.board.sync_time(self.cfg["ntp_host"])

    def _send_next(self, now):
        if self.inflight is not None:
            return
        head = self.outbox.head()
        if head is None:
            return
        seq, data = head
        pid = self.client.publish(self.topic_event, data, EVENT_QOS, False, now)
        self.inflight = (seq, pid)

    def _heartbeat(self, now):
        self._read_battery()
        body = payload.heartbeat(self.bat, self.board.wifi_rssi(), self.uptime_s, len(self.outbox))
        self.client.publish(self.topic_heartbeat, body, HEARTBEAT_QOS, False, now)
        self.heartbeats += 1
        self.next_heartbeat = clock.add(now, self.t["heartbeat_interval_s"] * 1000)

    def _on_puback(self, pid):
        if pid == self.offline_pid:
            self.offline_acked = True
        inflight = self.inflight
        if inflight is None or inflight[1] != pid:
            return  # the status message, or a PUBACK from before a reconnect
        self.inflight = None
        self.outbox.ack(inflight[0])
        self.device.on_puback(inflight[0], self.now)
        self.log("event_acked seq=%d queued=%d" % (inflight[0], len(self.outbox)))

    def _on_message(self, topic, data):
        if topic == self.topic_feedback:
            state = self.device.on_feedback(data, self.now)
            self.log("feedback state=%s" % state)

    def _drop(self, now, exc):
        """The one handler of NetworkError: close, forget the in-flight packet, schedule a retry."""
        self.client.close()
        self.inflight = None  # resent with the same bytes and event id after reconnect
        self.state = OFFLINE
        if not self.board.wifi_connected():
            self.wifi_since = None
        jitter = self.board.random_bytes(1)[0] * self.backoff_ms // 1024  # up to a quarter more
        delay = self.backoff_ms + jitter
        self.retry_at = clock.add(now, delay)
        self.backoff_ms = min(self.backoff_ms * 2, self.t["backoff_max_ms"])
        text = str(exc)
        if text != self.last_error:  # one line per distinct error, not per retry
            self.log("link_down error=%s retry_in_ms=%d queued=%d" % (text, delay, len(self.outbox)))
            self.last_error = text

    # Output and power

    def _read_battery(self):
        self.bat = battery_percent(self.board.battery_mv(), self.cfg["battery"])

    def low_battery(self):
        battery = self.cfg["battery"]
        return self.bat is not None and battery is not None and self.bat < battery["low_percent"]

    def indication(self, now):
        return self.device.indication(now, self.state == UP, self.low_battery())

    def _indicate(self, now):
        self.player.show(self.indication(now), now)
        self.board.set_led(self.player.led(now))
        self.board.set_buzzer(self.player.buzzer(now))

    def can_sleep(self, now):
        """Battery mode only: nothing queued or in flight, no button down, no recent activity.

        Each wake also sends its heartbeat and listens for FEEDBACK_GRACE_MS
        for feedback the broker kept, unless connecting failed for longer
        than the WiFi and connect timeouts together (the next wake retries).
        """
        if self.cfg["power"] != "battery" or self.inflight is not None:
            return False
        for button in self.buttons.values():
            if button.is_down:
                return False
        if self.device.busy(now):
            return False
        if self.heartbeats and self.state == UP:
            return clock.diff(now, self.up_since) >= FEEDBACK_GRACE_MS
        give_up_ms = self.t["wifi_timeout_ms"] + self.t["connect_timeout_ms"]
        return clock.diff(now, self.started_at) >= give_up_ms

    def go_offline(self, now):
        """Publish the retained offline status, wait up to OFFLINE_ACK_MS for its PUBACK, disconnect.

        Reading every pending packet before the DISCONNECT matters: a socket
        closed with unread data is reset, and the broker may then drop the
        DISCONNECT and publish the last will instead.
        """
        client = self.client
        if client.transport is None:
            return
        try:
            self.offline_acked = False
            self.offline_pid = client.publish(
                self.topic_status, payload.STATUS_OFFLINE, STATUS_QOS, True, now
            )
            deadline = clock.add(now, OFFLINE_ACK_MS)
            while True:
                client.poll(now)
                if self.offline_acked or clock.due(now, deadline):
                    break
                self.board.sleep_ms(10)
                now = self.board.ticks_ms()
            client.disconnect(now)
        except NetworkError:
            client.close()
        self.state = OFFLINE

    def sleep(self, now):
        """Mark the device offline (retained) and enter deep sleep until the button or the next heartbeat."""
        self.go_offline(now)
        self.board.set_led(False)
        self.board.set_buzzer(False)
        self.board.deep_sleep(self.t["heartbeat_interval_s"] * 1000)
