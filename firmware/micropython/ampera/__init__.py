# Ampera panic button firmware: behaviour modules that run on the ESP32, on
# the MicroPython VM and under CPython (the device twin and host tests).
# Only hw.py touches machine, network and sockets.

FW_VERSION = "0.1.0"
