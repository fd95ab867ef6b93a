# Entry point on the ESP32. Modes:
#   normal       config.json valid: watchdog on, main loop forever
#   config error config.json missing or invalid: LED blinks the error
#                pattern, the console prints the field, no watchdog
#   maintenance  cancel button held at power-up, or the `maintenance` flag
#                file: no watchdog and no main loop, so a technician can copy
#                files; the board resets into normal mode after
#                MAINTENANCE_MS
# Ctrl-C on the serial console in normal mode writes the flag and resets,
# because the hardware watchdog cannot be stopped once it runs.

import gc
import time

import machine

from ampera import FW_VERSION, config, hw, indicator

TICK_MS = 20
MAINTENANCE_MS = 30 * 60 * 1000
QUEUE_DIR = "queue"
DEBUG = True  # log lines on the serial console


def log(line):
    if DEBUG:
        print(line)


def blink_forever(pins, indication):
    """Show an indication without a main loop (config error); never returns."""
    led_pin = pins.get("led", 2) if isinstance(pins, dict) else 2
    led = machine.Pin(led_pin if led_pin is not None else 2, machine.Pin.OUT)
    player = indicator.Player(False)
    start = time.ticks_ms()
    player.show(indication, start)
    while True:
        led.value(1 if player.led(time.ticks_ms()) else 0)
        time.sleep_ms(50)


def maintenance(pins):
    print("maintenance mode: watchdog off, reset in %d min" % (MAINTENANCE_MS // 60000))
    timer = machine.Timer(0)
    timer.init(period=MAINTENANCE_MS, mode=machine.Timer.ONE_SHOT, callback=lambda t: machine.reset())
    led_pin = pins.get("led", 2) if isinstance(pins, dict) else 2
    if led_pin is not None:
        led = machine.Pin(led_pin, machine.Pin.OUT)
        player = indicator.Player(False)
        player.show(indicator.MAINTENANCE, time.ticks_ms())
        blinker = machine.Timer(1)
        blinker.init(period=50, callback=lambda t: led.value(1 if player.led(time.ticks_ms()) else 0))


def raw_pins():
    """Pins from config.json without validation, for the maintenance check and error LED."""
    try:
        import json

        with open("config.json") as f:
            return json.load(f).get("pins") or {}
    except (OSError, ValueError, AttributeError):
        return {}


def run():
    pins = raw_pins()
    if hw.maintenance_requested(pins):
        maintenance(pins)
        return  # back to the REPL
    try:
        cfg = config.load()
    except config.ConfigError as exc:
        print("CONFIG ERROR: %s" % exc)
        blink_forever(pins, indicator.CONFIG_ERROR)

    from ampera.app import App
    from ampera.outbox import FlashFs

    board = hw.Board(cfg)
    app = App(cfg, board, FlashFs(QUEUE_DIR), log)
    if cfg["power"] == "battery" and not board.can_deep_sleep():
        log("battery mode needs ext0 wake, which this chip lacks: staying awake")
        cfg["power"] = "mains"
    gc.collect()
    log("fw=%s free_ram=%d" % (FW_VERSION, gc.mem_free()))
    board.watchdog_start(cfg["timings"]["watchdog_ms"])
    app.start(time.ticks_ms())
    try:
        while True:
            now = time.ticks_ms()
            app.tick(now)
            if app.can_sleep(now):
                app.sleep(now)
            time.sleep_ms(TICK_MS)
    except KeyboardInterrupt:
        hw.request_maintenance()
        print("interrupted: restarting into maintenance mode")
        machine.reset()
    except Exception as exc:  # a firmware bug: the queue is on flash, so restart
        import sys

        sys.print_exception(exc)
        time.sleep_ms(1000)
        machine.reset()


run()
