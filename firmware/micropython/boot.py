# Runs on every reset before main.py. Kept minimal so a broken main.py or
# config.json still leaves the REPL reachable for the technician.

import gc

try:
    import esp

    esp.osdebug(None)  # keep the ESP-IDF log off the serial console
except ImportError:
    pass

gc.collect()
