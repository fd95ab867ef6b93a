# ruff: noqa: E501 - one message per line reads better than wrapped strings
"""Messages of the technician tool in Bahasa Indonesia (default) and English.

Each message has a key; errors have a second key ``<key>.next`` with the
next step for the technician. Placeholders use ``str.format`` names.
"""

from __future__ import annotations

import os
from typing import Any

LANGUAGES = ("id", "en")

MESSAGES: dict[str, dict[str, str]] = {
    # --- progress and success -------------------------------------------
    "step.connect": {
        "id": "Menghubungkan ke papan di {port}",
        "en": "Connecting to the board on {port}",
    },
    "step.detected": {"id": "Chip terdeteksi: {chip}", "en": "Chip detected: {chip}"},
    "step.erase": {"id": "Menghapus flash", "en": "Erasing flash"},
    "step.write": {"id": "Menulis firmware", "en": "Writing firmware"},
    "step.verify_flash": {"id": "Memeriksa isi flash", "en": "Verifying flash contents"},
    "step.flash_done": {
        "id": "Firmware {image} tertulis di 0x{offset:x} dan sudah diperiksa (SHA-256 {sha256}).",
        "en": "Firmware {image} written at 0x{offset:x} and verified (SHA-256 {sha256}).",
    },
    "step.press_reset": {
        "id": "Tekan tombol RESET (EN) pada papan untuk menjalankan firmware.",
        "en": "Press the RESET (EN) button on the board to start the firmware.",
    },
    "step.repl": {
        "id": "Masuk ke REPL MicroPython di {port}",
        "en": "Entering the MicroPython REPL on {port}",
    },
    "step.copy_files": {"id": "Menyalin {count} berkas", "en": "Copying {count} files"},
    "step.install_done": {
        "id": "{count} berkas terpasang dan hash-nya cocok; papan di-reset.",
        "en": "{count} files installed with matching hashes; board reset.",
    },
    "step.register": {
        "id": "Mendaftarkan perangkat {device_id}",
        "en": "Registering device {device_id}",
    },
    "step.register_done": {
        "id": "Perangkat {device_id} terdaftar. Konfigurasi ditulis ke {path} (simpan, kata sandi hanya diberikan sekali).",
        "en": "Device {device_id} registered. Configuration written to {path} (keep it: the password is given only once).",
    },
    "step.wait_online": {
        "id": "Menunggu {device_id} online",
        "en": "Waiting for {device_id} to come online",
    },
    "step.wait_test": {
        "id": "Menunggu alarm uji dari {device_id} (tekan tombol uji sekarang)",
        "en": "Waiting for a test alert from {device_id} (press the test button now)",
    },
    "verify.pass": {
        "id": "LULUS: {device_id} online dan alarm uji {incident} sampai di server dispatch.",
        "en": "PASS: {device_id} is online and test alert {incident} reached the dispatch server.",
    },
    "verify.fail": {"id": "GAGAL: {reason}", "en": "FAIL: {reason}"},
    "setup.skip": {
        "id": "Langkah {step} sudah selesai, dilewati.",
        "en": "Step {step} already done, skipped.",
    },
    "setup.step": {"id": "Langkah {number}/{total}: {step}", "en": "Step {number}/{total}: {step}"},
    "setup.done": {
        "id": "Selesai: {device_id} terpasang dan terverifikasi.",
        "en": "Done: {device_id} is installed and verified.",
    },
    "setup.resume": {
        "id": "Lanjutkan dengan perintah yang sama; langkah yang selesai tidak diulang (status di {path}).",
        "en": "Run the same command again to resume; finished steps are not repeated (state in {path}).",
    },
    "error.prefix": {"id": "KESALAHAN", "en": "ERROR"},
    "action.log_in": {"id": "masuk", "en": "log in"},
    "action.register_devices": {"id": "mendaftarkan perangkat", "en": "register devices"},
    "action.read_devices": {"id": "membaca data perangkat", "en": "read devices"},
    "action.read_test_incidents": {"id": "membaca insiden uji", "en": "read test incidents"},
    "error.next": {"id": "Langkah berikutnya", "en": "What to do next"},
    # --- errors -----------------------------------------------------------
    "no_port": {
        "id": "Port serial {port} tidak ditemukan.",
        "en": "Serial port {port} not found.",
    },
    "no_port.next": {
        "id": "Pasang kabel USB (kabel data, bukan hanya kabel daya) dan pilih port yang ada: {available}.",
        "en": "Plug in the USB cable (a data cable, not a charge-only one) and choose a port that exists: {available}.",
    },
    "port_busy": {
        "id": "Port {port} tidak bisa dibuka: {detail}",
        "en": "Port {port} cannot be opened: {detail}",
    },
    "port_busy.next": {
        "id": "Tutup program lain yang memakai port (Thonny, monitor serial) lalu coba lagi. Di Linux, tambahkan pengguna ke grup 'dialout'.",
        "en": "Close other programs using the port (Thonny, a serial monitor) and try again. On Linux, add the user to the 'dialout' group.",
    },
    "not_in_download_mode": {
        "id": "Papan di {port} tidak menjawab bootloader ESP32 ({detail}).",
        "en": "The board on {port} does not answer as an ESP32 bootloader ({detail}).",
    },
    "not_in_download_mode.next": {
        "id": "Mungkin port salah (port yang ada: {available}) atau papan tidak masuk mode download. Tahan tombol BOOT, tekan dan lepas RESET (EN), lepas BOOT, lalu jalankan lagi dengan --no-reset.",
        "en": "The port may be wrong (ports present: {available}) or the board is not in download mode. Hold BOOT, press and release RESET (EN), release BOOT, then run again with --no-reset.",
    },
    "image_missing": {
        "id": "Berkas firmware {image} tidak ada.",
        "en": "Firmware file {image} does not exist.",
    },
    "image_missing.next": {
        "id": "Periksa jalur berkas .bin MicroPython.",
        "en": "Check the path of the MicroPython .bin file.",
    },
    "image_unknown": {
        "id": "Firmware {image} (SHA-256 {sha256}) tidak ada di daftar firmware yang disetujui ({images_list}).",
        "en": "Firmware {image} (SHA-256 {sha256}) is not in the list of approved images ({images_list}).",
    },
    "image_unknown.next": {
        "id": "Unduh ulang firmware yang disetujui; berkas ini rusak atau bukan versi resmi proyek.",
        "en": "Download the approved firmware again; this file is damaged or not the project's release.",
    },
    "image_invalid": {
        "id": "Berkas {image} bukan image firmware ESP (byte pertama 0x{magic:02x}, seharusnya 0xe9).",
        "en": "File {image} is not an ESP firmware image (first byte 0x{magic:02x}, expected 0xe9).",
    },
    "image_invalid.next": {
        "id": "Gunakan berkas .bin MicroPython untuk papan ini, bukan .uf2, .elf atau .zip.",
        "en": "Use the MicroPython .bin file for this board, not a .uf2, .elf or .zip.",
    },
    "image_list_mismatch": {
        "id": "Daftar firmware mencatat {image} untuk {listed}, tetapi header-nya untuk {header}.",
        "en": "The firmware list records {image} for {listed}, but its header is for {header}.",
    },
    "image_list_mismatch.next": {
        "id": "Perbaiki daftar firmware; jangan menulis image ini.",
        "en": "Fix the firmware list; do not write this image.",
    },
    "chip_mismatch": {
        "id": "Papan adalah {board}, tetapi firmware {image} untuk {image_chip}. Tidak ada yang ditulis.",
        "en": "The board is an {board}, but firmware {image} is for {image_chip}. Nothing was written.",
    },
    "chip_mismatch.next": {
        "id": "Pilih firmware MicroPython untuk {board}.",
        "en": "Choose the MicroPython firmware for {board}.",
    },
    "flash_write_failed": {
        "id": "Penulisan flash gagal di tengah jalan: {detail}",
        "en": "Writing the flash failed part way: {detail}",
    },
    "flash_write_failed.next": {
        "id": "Papan belum bisa dipakai. Periksa kabel USB (pendek, tidak longgar), masukkan papan ke mode download lagi dan ulangi flash; bila gagal lagi, tambahkan --baud 115200.",
        "en": "The board is not usable yet. Check the USB cable (short, firmly seated), put the board into download mode again and repeat the flash; if it fails again, add --baud 115200.",
    },
    "flash_verify_failed": {
        "id": "Isi flash tidak cocok dengan firmware (MD5 papan {device_md5}, berkas {file_md5}).",
        "en": "Flash contents do not match the firmware (board MD5 {device_md5}, file MD5 {file_md5}).",
    },
    "flash_verify_failed.next": {
        "id": "Ulangi flash; jika gagal lagi, chip flash papan mungkin rusak: ganti papan.",
        "en": "Repeat the flash; if it fails again, the board's flash chip may be faulty: replace the board.",
    },
    "repl_not_answering": {
        "id": "Papan di {port} tidak menjawab REPL MicroPython setelah {attempts} percobaan ({detail}).",
        "en": "The board on {port} did not answer the MicroPython REPL after {attempts} attempts ({detail}).",
    },
    "repl_not_answering.next": {
        "id": "Pastikan MicroPython sudah di-flash (jalankan 'flash' dulu), tekan RESET, tunggu 3 detik lalu coba lagi. Tutup program lain yang memakai port.",
        "en": "Make sure MicroPython is flashed (run 'flash' first), press RESET, wait 3 seconds and try again. Close other programs using the port.",
    },
    "repl_command_failed": {
        "id": "Perintah di papan gagal saat {action}: {detail}",
        "en": "A command on the board failed while {action}: {detail}",
    },
    "repl_command_failed.next": {
        "id": "Periksa apakah sistem berkas papan penuh atau rusak; flash ulang firmware jika perlu.",
        "en": "Check whether the board's file system is full or damaged; flash the firmware again if needed.",
    },
    "transfer_corrupted": {
        "id": "Berkas {name} rusak saat dikirim (hash di papan {device_hash}, seharusnya {file_hash}).",
        "en": "File {name} was corrupted in transfer (hash on the board {device_hash}, expected {file_hash}).",
    },
    "transfer_corrupted.next": {
        "id": "Ganti kabel USB atau port, lalu jalankan 'install' lagi.",
        "en": "Change the USB cable or port, then run 'install' again.",
    },
    "firmware_dir_missing": {
        "id": "Folder berkas firmware {path} tidak ada atau kosong.",
        "en": "Firmware file folder {path} does not exist or is empty.",
    },
    "firmware_dir_missing.next": {
        "id": "Jalankan dari folder proyek Ampera atau beri --firmware-dir.",
        "en": "Run from the Ampera project folder or give --firmware-dir.",
    },
    "config_missing": {
        "id": "Berkas konfigurasi {path} tidak ada.",
        "en": "Configuration file {path} does not exist.",
    },
    "config_missing.next": {
        "id": "Jalankan 'register' dulu; perintah itu menulis config.json.",
        "en": "Run 'register' first; it writes config.json.",
    },
    "dispatch_unreachable": {
        "id": "Server dispatch {url} tidak bisa dihubungi: {detail}",
        "en": "The dispatch server {url} cannot be reached: {detail}",
    },
    "dispatch_unreachable.next": {
        "id": "Periksa koneksi internet laptop dan alamat server (--dispatch-url atau AMPERA_DISPATCH_URL).",
        "en": "Check the laptop's internet connection and the server address (--dispatch-url or AMPERA_DISPATCH_URL).",
    },
    "login_failed": {
        "id": "Login teknisi {username} ditolak.",
        "en": "Technician login {username} was rejected.",
    },
    "login_failed.next": {
        "id": "Periksa nama pengguna dan kata sandi; minta admin membuat akun dengan peran 'technician'.",
        "en": "Check the user name and password; ask an admin for an account with the 'technician' role.",
    },
    "not_allowed": {
        "id": "Akun ini tidak boleh {action} (HTTP {status}).",
        "en": "This account may not {action} (HTTP {status}).",
    },
    "not_allowed.next": {
        "id": "Gunakan akun dengan peran 'technician' atau 'admin'.",
        "en": "Use an account with the 'technician' or 'admin' role.",
    },
    "test_incidents_forbidden": {
        "id": "Server dispatch tidak mengizinkan akun ini membaca insiden uji (HTTP {status}).",
        "en": "The dispatch server does not let this account read test incidents (HTTP {status}).",
    },
    "test_incidents_forbidden.next": {
        "id": "Perangkat sudah terdaftar dan terpasang. Minta admin menjalankan 'verify' dengan akun admin, atau memperbarui server agar teknisi boleh membaca insiden uji.",
        "en": "The device is registered and installed. Ask an admin to run 'verify' with an admin account, or to update the server so technicians may read test incidents.",
    },
    "device_exists": {
        "id": "Perangkat {device_id} sudah terdaftar: {detail}",
        "en": "Device {device_id} is already registered: {detail}",
    },
    "device_exists.next": {
        "id": "Pakai ID baru, atau minta admin mencabut perangkat lama lalu daftarkan lagi.",
        "en": "Use a new id, or ask an admin to revoke the old device and register it again.",
    },
    "request_rejected": {
        "id": "Server menolak permintaan (HTTP {status}): {detail}",
        "en": "The server rejected the request (HTTP {status}): {detail}",
    },
    "request_rejected.next": {
        "id": "Perbaiki nilai yang disebut di atas lalu coba lagi.",
        "en": "Fix the value named above and try again.",
    },
    "invalid_device_id": {
        "id": "ID perangkat {device_id!r} tidak valid.",
        "en": "Device id {device_id!r} is invalid.",
    },
    "invalid_device_id.next": {
        "id": "Gunakan 3-64 karakter a-z, 0-9 dan '-', diawali huruf atau angka, mis. btn-ilir-timur-0007.",
        "en": "Use 3-64 characters of a-z, 0-9 and '-', starting with a letter or digit, e.g. btn-ilir-timur-0007.",
    },
    "missing_option": {"id": "Opsi {option} wajib diisi.", "en": "Option {option} is required."},
    "missing_option.next": {
        "id": "Tambahkan {option} (lihat --help).",
        "en": "Add {option} (see --help).",
    },
    "device_offline": {
        "id": "{device_id} tidak online dalam {timeout_s} detik.",
        "en": "{device_id} did not come online within {timeout_s} s.",
    },
    "device_offline.next": {
        "id": "Papan tidak bisa mencapai WiFi atau broker. Periksa nama dan kata sandi WiFi di config.json, sinyal di lokasi, dan apakah jaringan lokasi mengizinkan port broker ({broker}). Lampu status papan menunjukkan tahap yang gagal (lihat panduan).",
        "en": "The board cannot reach the WiFi or the broker. Check the WiFi name and password in config.json, the signal on site, and whether the site network allows the broker port ({broker}). The board's status LED shows which stage fails (see the guide).",
    },
    "no_test_alert": {
        "id": "{device_id} online, tetapi alarm uji tidak sampai ke server dalam {timeout_s} detik.",
        "en": "{device_id} is online, but no test alert reached the server within {timeout_s} s.",
    },
    "no_test_alert.next": {
        "id": "Tekan tombol uji lagi. Jika tetap gagal, gateway mungkin mati: hubungi operator pusat.",
        "en": "Press the test button again. If it still fails, the gateway may be down: call the command centre operator.",
    },
    "interrupted": {"id": "Dihentikan oleh pengguna.", "en": "Stopped by the user."},
    "interrupted.next": {
        "id": "Jalankan perintah yang sama untuk melanjutkan.",
        "en": "Run the same command to resume.",
    },
}


def detect_language(explicit: str | None = None, environ: dict[str, str] | None = None) -> str:
    """Return ``en`` when asked or when the locale is English, else ``id``."""
    if explicit in LANGUAGES:
        return explicit
    env = os.environ if environ is None else environ
    locale = env.get("LC_ALL") or env.get("LC_MESSAGES") or env.get("LANG") or ""
    return "en" if locale.lower().startswith("en") else "id"


class Translator:
    """Formats messages in one language; an unknown key falls back to the key itself."""

    def __init__(self, language: str = "id") -> None:
        self.language = language if language in LANGUAGES else "id"

    def __call__(self, key: str, **params: Any) -> str:
        entry = MESSAGES.get(key)
        if entry is None:
            return key
        return entry[self.language].format(**params)

    def has(self, key: str) -> bool:
        return key in MESSAGES
