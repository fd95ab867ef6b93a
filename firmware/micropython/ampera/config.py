# config.json: loading, defaults and validation. The schema is documented in
# docs/firmware.md ("config.json") and written by `ampera-provision`; keep
# both in step. Every error names the field and the value, because the
# technician reads it on the serial console.

import json

SCHEMA = 1

DEFAULT_TIMINGS = {
    "debounce_ms": 30,
    "press_min_ms": 60,
    "hold_min_ms": 3000,
    "cancel_hold_ms": 2000,
    "test_hold_ms": 8000,
    "feedback_timeout_ms": 5000,
    "local_window_ms": 10000,
    "result_show_ms": 5000,
    "alert_memory_ms": 1800000,
    "heartbeat_interval_s": 60,
    "backoff_min_ms": 1000,
    "backoff_max_ms": 60000,
    "connect_timeout_ms": 10000,
    "wifi_timeout_ms": 20000,
    "watchdog_ms": 60000,
    "awake_ms": 120000,
}
TIMING_LIMITS = {
    "debounce_ms": (1, 500),
    "press_min_ms": (0, 2000),
    "hold_min_ms": (500, 30000),
    "cancel_hold_ms": (500, 30000),
    "test_hold_ms": (1000, 60000),
    "feedback_timeout_ms": (500, 120000),
    "local_window_ms": (0, 300000),
    "result_show_ms": (0, 60000),
    "alert_memory_ms": (60000, 86400000),
    "heartbeat_interval_s": (5, 3600),
    "backoff_min_ms": (100, 60000),
    "backoff_max_ms": (1000, 3600000),
    "connect_timeout_ms": (1000, 60000),
    "wifi_timeout_ms": (1000, 120000),
    "watchdog_ms": (20000, 600000),
    "awake_ms": (5000, 3600000),
}
# The reference design in hardware/: panic button on GPIO27, cancel button
# on GPIO26 (both RTC pins, so ext0 can wake the chip), LED on GPIO2,
# buzzer on GPIO25, battery divider on GPIO34 (ADC1).
DEFAULT_PINS = {
    "button": 27,
    "cancel": 26,
    "led": 2,
    "buzzer": 25,
    "battery_adc": None,
    "led_active_high": True,
}
DEFAULT_BATTERY = {"divider_ratio": 2.0, "empty_mv": 3300, "full_mv": 4150, "low_percent": 20}
POWER_MODES = ("mains", "battery")
BUZZER_MODES = ("off", "feedback")


class ConfigError(ValueError):
    """config.json is missing or invalid; `field` names the key (dotted path)."""

    def __init__(self, field, message):
        super().__init__("config.json %s: %s" % (field, message))
        self.field = field


def valid_device_id(text):
    """Contract pattern [a-z0-9][a-z0-9-]{2,63}, checked without the re module."""
    if not isinstance(text, str) or not 3 <= len(text) <= 64:
        return False
    for i, ch in enumerate(text):
        if not ("a" <= ch <= "z" or "0" <= ch <= "9" or (ch == "-" and i > 0)):
            return False
    return True


def parse_url(url):
    """Split mqtt://host[:port] or mqtts://host[:port] into (host, port, tls)."""
    if not isinstance(url, str):
        raise ConfigError("mqtt.url", "expected a string such as mqtts://broker.example:8883, got %r" % (url,))
    if url.startswith("mqtts://"):
        tls, rest, port = True, url[8:], 8883
    elif url.startswith("mqtt://"):
        tls, rest, port = False, url[7:], 1883
    else:
        raise ConfigError("mqtt.url", "%r must start with mqtt:// or mqtts://" % url)
    rest = rest.rstrip("/")
    if "@" in rest or "/" in rest:
        raise ConfigError(
            "mqtt.url", "%r: put credentials in mqtt.username/mqtt.password, no path" % url
        )
    host = rest
    if ":" in rest:
        host, port_text = rest.rsplit(":", 1)
        try:
            port = int(port_text)
        except ValueError:
            raise ConfigError("mqtt.url", "port %r is not a number" % port_text)
        if not 0 < port < 65536:
            raise ConfigError("mqtt.url", "port %d is out of range 1-65535" % port)
    if not host:
        raise ConfigError("mqtt.url", "%r has no host" % url)
    return host, port, tls


def _section(raw, name, defaults):
    value = raw.get(name)
    if value is None:
        return dict(defaults)
    if not isinstance(value, dict):
        raise ConfigError(name, "expected an object, got %r" % (value,))
    merged = dict(defaults)
    for key in value:
        if key not in defaults:
            raise ConfigError("%s.%s" % (name, key), "unknown key")
        merged[key] = value[key]
    return merged


def _int(field, value, low, high):
    if not isinstance(value, int) or isinstance(value, bool):
        raise ConfigError(field, "expected an integer, got %r" % (value,))
    if not low <= value <= high:
        raise ConfigError(field, "%d is outside %d-%d" % (value, low, high))
    return value


def _text(field, value, required=True, max_len=128, secret=False):
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value):
        shown = type(value).__name__ if secret else repr(value)  # never print a password
        raise ConfigError(field, "expected a non-empty string, got %s" % shown)
    if len(value) > max_len:
        raise ConfigError(field, "longer than %d characters" % max_len)
    return value


def _pin(field, value, optional=True):
    if value is None and optional:
        return None
    return _int(field, value, 0, 48)


def validate(raw):
    """Return the complete configuration with defaults filled in; raise ConfigError."""
    if not isinstance(raw, dict):
        raise ConfigError("(file)", "expected a JSON object")
    known = (
        "schema", "device_id", "wifi", "mqtt", "pins", "timings", "battery",
        "power", "queue_max", "buzzer_mode", "test_at_boot", "ntp_host",
    )
    for key in raw:
        if key not in known:
            raise ConfigError(key, "unknown key")
    schema = raw.get("schema", SCHEMA)
    if schema != SCHEMA:
        raise ConfigError("schema", "%r is not supported; this firmware reads %d" % (schema, SCHEMA))

    device_id = raw.get("device_id")
    if not valid_device_id(device_id):
        raise ConfigError(
            "device_id", "%r: use 3-64 of a-z, 0-9 and '-', not starting with '-'" % (device_id,)
        )

    wifi = _section(raw, "wifi", {"ssid": None, "password": ""})
    _text("wifi.ssid", wifi["ssid"], max_len=32)
    _text("wifi.password", wifi["password"], required=False, max_len=64, secret=True)

    mqtt = _section(
        raw,
        "mqtt",
        {"url": None, "username": device_id, "password": None, "ca": None, "keepalive_s": 60},
    )
    mqtt["host"], mqtt["port"], mqtt["tls"] = parse_url(mqtt["url"])
    _text("mqtt.username", mqtt["username"])
    _text("mqtt.password", mqtt["password"], required=False, secret=True)
    _text("mqtt.ca", mqtt["ca"], required=False)
    if mqtt["tls"] and mqtt["ca"] is None:
        raise ConfigError("mqtt.ca", "required for mqtts://: the file name of the broker's CA certificate")
    _int("mqtt.keepalive_s", mqtt["keepalive_s"], 10, 1200)

    pins = _section(raw, "pins", DEFAULT_PINS)
    _pin("pins.button", pins["button"], optional=False)
    for name in ("cancel", "led", "buzzer", "battery_adc"):
        _pin("pins." + name, pins[name])
    if not isinstance(pins["led_active_high"], bool):
        raise ConfigError("pins.led_active_high", "expected true or false")
    used = [pins[n] for n in ("button", "cancel", "led", "buzzer", "battery_adc") if pins[n] is not None]
    if len(used) != len(set(used)):
        raise ConfigError("pins", "two functions share one GPIO: %r" % (used,))

    timings = _section(raw, "timings", DEFAULT_TIMINGS)
    for key in timings:
        low, high = TIMING_LIMITS[key]
        _int("timings." + key, timings[key], low, high)
    if timings["press_min_ms"] >= timings["hold_min_ms"]:
        raise ConfigError("timings.press_min_ms", "must be shorter than timings.hold_min_ms")
    if timings["cancel_hold_ms"] >= timings["test_hold_ms"]:
        raise ConfigError("timings.cancel_hold_ms", "must be shorter than timings.test_hold_ms")
    if timings["backoff_min_ms"] > timings["backoff_max_ms"]:
        raise ConfigError("timings.backoff_min_ms", "must not exceed timings.backoff_max_ms")
    if timings["watchdog_ms"] <= timings["connect_timeout_ms"] * 2:
        raise ConfigError(
            "timings.watchdog_ms", "must exceed twice timings.connect_timeout_ms (a slow connect)"
        )

    battery = raw.get("battery")
    if battery is not None or pins["battery_adc"] is not None:
        battery = _section(raw, "battery", DEFAULT_BATTERY)
        ratio = battery["divider_ratio"]
        if not isinstance(ratio, (int, float)) or not 1 <= ratio <= 10:
            raise ConfigError("battery.divider_ratio", "%r is outside 1-10" % (ratio,))
        _int("battery.empty_mv", battery["empty_mv"], 2500, 4500)
        _int("battery.full_mv", battery["full_mv"], battery["empty_mv"] + 100, 5000)
        _int("battery.low_percent", battery["low_percent"], 0, 100)
        if pins["battery_adc"] is None:
            raise ConfigError("pins.battery_adc", "a battery is configured but no ADC pin")

    power = raw.get("power", "mains")
    if power not in POWER_MODES:
        raise ConfigError("power", "%r: expected one of %r" % (power, POWER_MODES))
    if power == "battery" and battery is None:
        raise ConfigError("power", "battery mode needs the battery section and pins.battery_adc")

    buzzer_mode = raw.get("buzzer_mode", "off")
    if buzzer_mode not in BUZZER_MODES:
        raise ConfigError("buzzer_mode", "%r: expected one of %r" % (buzzer_mode, BUZZER_MODES))

    test_at_boot = raw.get("test_at_boot", False)
    if not isinstance(test_at_boot, bool):
        raise ConfigError("test_at_boot", "expected true or false")

    return {
        "schema": SCHEMA,
        "device_id": device_id,
        "wifi": wifi,
        "mqtt": mqtt,
        "pins": pins,
        "timings": timings,
        "battery": battery,
        "power": power,
        "queue_max": _int("queue_max", raw.get("queue_max", 32), 1, 500),
        "buzzer_mode": buzzer_mode,
        "test_at_boot": test_at_boot,
        "ntp_host": _text("ntp_host", raw.get("ntp_host"), required=False),
    }


def load(path="config.json"):
    """Read and validate the file; raise ConfigError naming the problem."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        raise ConfigError("(file)", "%s is missing; write it with ampera-provision" % path)
    try:
        raw = json.loads(text)
    except ValueError:
        raise ConfigError("(file)", "%s is not valid JSON" % path)
    return validate(raw)
