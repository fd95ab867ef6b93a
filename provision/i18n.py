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
    # --- --help texts --------------------------------------------------------
    # argparse expands %(default)s in these texts, so a literal percent sign
    # must be written as %%.
    "help.usage_prefix": {"id": "penggunaan: ", "en": "usage: "},
    "help.options_title": {"id": "opsi", "en": "options"},
    "help.commands_title": {"id": "perintah", "en": "commands"},
    "help.help": {
        "id": "tampilkan bantuan ini lalu keluar",
        "en": "show this help message and exit",
    },
    "help.description": {
        "id": "Flash, daftarkan, pasang, dan periksa tombol panik Ampera.",
        "en": "Flash, register, install and check Ampera panic buttons.",
    },
    "help.lang": {
        "id": "bahasa pesan dan bantuan ini (bawaan: id, atau en bila locale berbahasa Inggris)",
        "en": "language of messages and of this help (default: id, or en when the locale is English)",
    },
    "help.verbose": {"id": "tampilkan log debug di stderr", "en": "show debug logs on stderr"},
    "help.command.flash": {
        "id": "tulis image MicroPython ke papan",
        "en": "write the MicroPython image to the board",
    },
    "help.command.install": {
        "id": "salin berkas firmware dan config.json ke papan",
        "en": "copy the firmware files and config.json to the board",
    },
    "help.command.register": {
        "id": "daftarkan perangkat di server dispatch dan tulis config.json",
        "en": "register the device with the dispatch server and write config.json",
    },
    "help.command.verify": {
        "id": "tunggu sampai perangkat online dan alarm ujinya sampai di server",
        "en": "wait until the device is online and its test alert reaches the server",
    },
    "help.command.setup": {
        "id": "semua langkah di atas untuk satu perangkat; bila terhenti, jalankan perintah yang sama untuk melanjutkan",
        "en": "all of the above for one device; if stopped, run the same command to resume",
    },
    "help.port": {
        "id": "port serial papan, mis. /dev/ttyUSB0 atau COM3 (env AMPERA_SERIAL_PORT)",
        "en": "serial port of the board, e.g. /dev/ttyUSB0 or COM3 (env AMPERA_SERIAL_PORT)",
    },
    "help.image": {
        "id": "berkas image MicroPython .bin yang ditulis ke papan",
        "en": "MicroPython .bin image to write to the board",
    },
    "help.images_list": {
        "id": "daftar JSON firmware yang disetujui, dikenali dari SHA-256 (env AMPERA_FIRMWARE_IMAGES)",
        "en": "JSON list of approved images by SHA-256 (env AMPERA_FIRMWARE_IMAGES)",
    },
    "help.baud": {
        "id": "kecepatan serial saat menulis, dalam bit/s (bawaan: %(default)s); turunkan untuk kabel yang panjang atau kurang baik",
        "en": "serial speed for writing, in bits/s (default: %(default)s); lower it for long or poor cables",
    },
    "help.no_reset": {
        "id": "lewati reset ke mode download; gunakan setelah menekan BOOT+RESET secara manual",
        "en": "skip the reset into download mode; use after pressing BOOT+RESET by hand",
    },
    "help.firmware_dir": {
        "id": "folder yang berkasnya disalin ke papan (bawaan: firmware/micropython di folder proyek)",
        "en": "folder whose files are copied to the board (default: firmware/micropython in the project folder)",
    },
    "help.repl_pause_s": {
        "id": "jeda dalam detik antara percobaan masuk raw REPL dan setelah port ditutup (bawaan: %(default)s)",
        "en": "seconds to wait between raw-REPL attempts and after closing the port (default: %(default)s)",
    },
    "help.repl_timeout_s": {
        "id": "batas waktu dalam detik menunggu prompt REPL pada setiap percobaan dari 4 percobaan (bawaan: %(default)s)",
        "en": "seconds to wait for the REPL prompt in each of the 4 attempts (default: %(default)s)",
    },
    "help.install_config": {
        "id": "berkas config.json yang disalin ke papan",
        "en": "config.json to copy to the board",
    },
    "help.install_ca_file": {
        "id": "sertifikat CA yang disalin ke papan sebagai ca.crt",
        "en": "CA certificate to copy to the board as ca.crt",
    },
    "help.dispatch_url": {
        "id": "URL dasar API dispatch (env AMPERA_DISPATCH_URL)",
        "en": "base URL of the dispatch API (env AMPERA_DISPATCH_URL)",
    },
    "help.username": {
        "id": "nama pengguna akun teknisi (env AMPERA_PROVISION_USERNAME)",
        "en": "user name of the technician account (env AMPERA_PROVISION_USERNAME)",
    },
    "help.password": {
        "id": "kata sandi teknisi (env AMPERA_PROVISION_PASSWORD), ditanyakan di terminal bila kosong",
        "en": "technician password (env AMPERA_PROVISION_PASSWORD), asked for at the terminal when missing",
    },
    "help.token": {
        "id": "bearer token sebagai pengganti nama pengguna dan kata sandi (env AMPERA_PROVISION_TOKEN)",
        "en": "bearer token instead of user name and password (env AMPERA_PROVISION_TOKEN)",
    },
    "help.device_id": {
        "id": "ID perangkat, mis. btn-ilir-timur-0007",
        "en": "device id, e.g. btn-ilir-timur-0007",
    },
    "help.label": {
        "id": "tempat tombol dipasang, mis. 'Pasar 16 Ilir, pintu 2'",
        "en": "where the button hangs, e.g. 'Pasar 16 Ilir, pintu 2'",
    },
    "help.lat": {
        "id": "lintang lokasi tombol, dalam derajat",
        "en": "latitude of the button, in degrees",
    },
    "help.lon": {
        "id": "bujur lokasi tombol, dalam derajat",
        "en": "longitude of the button, in degrees",
    },
    "help.kind": {
        "id": "jenis perangkat yang didaftarkan (bawaan: %(default)s)",
        "en": "kind of device to register (default: %(default)s)",
    },
    "help.wifi_ssid": {
        "id": "nama WiFi di lokasi (env AMPERA_WIFI_SSID)",
        "en": "WiFi name on site (env AMPERA_WIFI_SSID)",
    },
    "help.wifi_password": {
        "id": "kata sandi WiFi di lokasi (env AMPERA_WIFI_PASSWORD), ditanyakan di terminal bila kosong",
        "en": "WiFi password on site (env AMPERA_WIFI_PASSWORD), asked for at the terminal when missing",
    },
    "help.mqtt_url": {
        "id": "alamat broker yang dipakai perangkat, mis. mqtts://broker.example:8883 (env AMPERA_DEVICE_MQTT_URL)",
        "en": "broker address as the device sees it, e.g. mqtts://broker.example:8883 (env AMPERA_DEVICE_MQTT_URL)",
    },
    "help.ca_file": {
        "id": "sertifikat CA yang dipercaya perangkat untuk TLS",
        "en": "CA certificate the device trusts for TLS",
    },
    "help.pin": {
        "id": "ganti nomor GPIO sebuah pin, mis. button=27 (boleh diulang)",
        "en": "override the GPIO of a pin, e.g. button=27 (repeatable)",
    },
    "help.timing": {
        "id": "ganti sebuah nilai waktu, mis. hold_min_ms=1500 (satuan tertulis di nama, boleh diulang)",
        "en": "override a timing, e.g. hold_min_ms=1500 (the unit is in the name, repeatable)",
    },
    "help.test_at_boot": {
        "id": "perangkat mengirim alarm uji setiap kali menyala (berguna di lokasi)",
        "en": "the device sends a test alert each time it starts (handy on site)",
    },
    "help.out": {
        "id": "tempat menulis config.json (bawaan: ID/config.json di bawah var/provision, atau di bawah --state-dir untuk setup)",
        "en": "where to write config.json (default: ID/config.json under var/provision, or under --state-dir for setup)",
    },
    "help.timeout_s": {
        "id": "batas waktu dalam detik menunggu perangkat online dan alarm ujinya (bawaan: %(default)s)",
        "en": "seconds to wait for the device to come online and send its test alert (default: %(default)s)",
    },
    "help.poll_s": {
        "id": "jeda dalam detik antara pemeriksaan ke API (bawaan: %(default)s)",
        "en": "seconds between API checks (default: %(default)s)",
    },
    "help.since_s": {
        "id": "terima alarm uji yang tiba paling lama sekian detik yang lalu (bawaan: %(default)s)",
        "en": "accept a test alert that arrived up to this many seconds ago (default: %(default)s)",
    },
    "help.skip_flash": {
        "id": "lewati langkah flash karena papan sudah berisi MicroPython",
        "en": "skip the flash step because the board already has MicroPython",
    },
    "help.state_dir": {
        "id": "folder tempat progres dan config.json tiap perangkat disimpan (bawaan: var/provision)",
        "en": "folder where each device's progress and config.json are kept (default: var/provision)",
    },
    "help.restart": {
        "id": "lupakan progres yang tersimpan dan mulai dari awal",
        "en": "forget the saved progress and start over",
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
