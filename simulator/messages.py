"""User-facing text of ``ampera-sim``: Indonesian first, English with ``--lang en``."""

from __future__ import annotations

LANGUAGES = ("id", "en")

# key -> (Indonesian, English); placeholders use str.format names.
TEXT: dict[str, tuple[str, str]] = {
    # single device commands
    "connecting": ("Menghubungkan {device} ke {broker} ...", "Connecting {device} to {broker} ..."),
    "sent": ("Terkirim: {type} id={id} seq={seq}", "Sent: {type} id={id} seq={seq}"),
    "resent": (
        "Dikirim ulang (duplikat QoS 1): id={id}",
        "Sent again (QoS 1 duplicate): id={id}",
    ),
    "feedback": ("Umpan balik: {state}{extra}", "Feedback: {state}{extra}"),
    "no_feedback": (
        "Tidak ada umpan balik dalam {seconds:g} detik (apakah gateway berjalan?)",
        "No feedback within {seconds:g} s (is the gateway running?)",
    ),
    "remaining": (" (sisa {seconds:g} detik untuk membatalkan)", " ({seconds:g} s left to cancel)"),
    "unacknowledged": (
        "{count} pesan belum dikonfirmasi broker (PUBACK)",
        "{count} messages not acknowledged by the broker (PUBACK)",
    ),
    "led": ("Lampu tombol: {state}", "Button LED: {state}"),
    "gesture": ("Gestur: {gesture}", "Gesture: {gesture}"),
    "twin_no_duplicate": (
        "Twin memakai firmware asli: duplikat hanya dikirim bila firmware sendiri mengulang",
        "The twin runs the real firmware: it repeats an event only when the firmware does",
    ),
    "connect_failed": ("Gagal terhubung: {error}", "Connection failed: {error}"),
    "invalid_setting": ("Pengaturan tidak valid: {error}", "Invalid setting: {error}"),
    # load
    "load_start": (
        "Beban acak: {devices} perangkat, {rate:g} gestur/detik selama {duration:g} detik "
        "({gestures} gestur, {events} pesan, {duplicates} duplikat)",
        "Random load: {devices} devices, {rate:g} gestures/s for {duration:g} s "
        "({gestures} gestures, {events} messages, {duplicates} duplicates)",
    ),
    "load_done": (
        "Selesai dalam {elapsed:.1f} detik: {events} pesan terkirim, {duplicates} duplikat, "
        "{missing} tanpa PUBACK",
        "Done in {elapsed:.1f} s: {events} messages sent, {duplicates} duplicates, "
        "{missing} without PUBACK",
    ),
    # demo
    "demo_title": (
        "Demo Ampera Panic: satu bulan tombol panik Polresta Palembang",
        "Ampera Panic demo: one month of panic buttons at the Palembang city police",
    ),
    "state_dir": ("Direktori data demo: {path} (dibuat baru)", "Demo state: {path} (made fresh)"),
    "demo_busy": (
        "Demo lain masih berjalan (proses {pid}) dengan {path}; hentikan dulu dengan Ctrl-C",
        "Another demo is running (process {pid}) with {path}; stop it with Ctrl-C first",
    ),
    "starting": ("Menyalakan {name} ...", "Starting {name} ..."),
    "started": ("{name} siap di {address}", "{name} ready at {address}"),
    "port_taken": (
        "port {preferred} sudah dipakai, memakai {port}",
        "port {preferred} is taken, using {port}",
    ),
    "service_failed": (
        "GAGAL: {name} {problem}. Akhir log {log}:",
        "FAILED: {name} {problem}. End of {log}:",
    ),
    "accounts": ("Membuat akun staf demo ...", "Creating demo staff accounts ..."),
    "registering": (
        "Mendaftarkan {buttons} tombol fisik dan {apps} pengguna aplikasi ...",
        "Registering {buttons} physical buttons and {apps} app users ...",
    ),
    "window": (
        "Jendela konfirmasi demo: {seconds:g} detik (AMPERA_CONFIRM_WINDOW_S; bawaan proyek "
        "{default:g} detik)",
        "Demo confirm window: {seconds:g} s (AMPERA_CONFIRM_WINDOW_S; project default "
        "{default:g} s)",
    ),
    "replay": (
        "Memutar ulang sebulan dalam {seconds:g} detik: {alerts} penekanan tombol panik di "
        "{stations} Polsek, {cancel} dibatalkan di perangkat, {duplicates} duplikat QoS 1, "
        "{tests} uji teknisi",
        "Replaying a month in {seconds:g} s: {alerts} panic presses across {stations} Polsek, "
        "{cancel} cancelled on the device, {duplicates} QoS 1 duplicates, {tests} technician "
        "tests",
    ),
    "day": (
        "  sampai hari {day:>2}: {presses:>3} penekanan",
        "  by day {day:>2}: {presses:>3} presses",
    ),
    "waiting_gateway": (
        "Menunggu gateway meneruskan semua peringatan ke API ...",
        "Waiting for the gateway to forward every alert to the API ...",
    ),
    "not_forwarded": (
        "PERINGATAN: setelah {seconds:g} detik API mencatat {got} dari {expected} peringatan",
        "WARNING: after {seconds:g} s the API holds {got} of {expected} alerts",
    ),
    "staff": (
        "Staf menindaklanjuti: {follow} insiden diterima dan dikirimi unit, {resolved} "
        "diselesaikan, {false_alarms} alarm palsu, {pranks} iseng",
        "Staff act: {follow} incidents acknowledged and dispatched, {resolved} resolved, "
        "{false_alarms} false alarms, {pranks} pranks",
    ),
    "complaints": (
        "Warga mengirim {count} laporan pengaduan (POST /v1/complaints)",
        "Citizens file {count} complaint reports (POST /v1/complaints)",
    ),
    "complaints_missing": (
        "Laporan pengaduan belum tersedia di API ini (tidak ada POST /v1/complaints)",
        "Complaint reports are not available in this API (no POST /v1/complaints)",
    ),
    "stats_title": (
        "Statistik dari API (GET /v1/stats) / Statistics from the API",
        "Statistics from the API (GET /v1/stats) / Statistik dari API",
    ),
    "matches": (
        "Angka API sesuai dengan skenario yang dikirim.",
        "The API's figures match what the scenario sent.",
    ),
    "mismatch": (
        "TIDAK SESUAI: {name} API={got} skenario={expected}",
        "MISMATCH: {name} API={got} scenario={expected}",
    ),
    "feedback_seen": (
        "Umpan balik yang diterima perangkat (dari gateway):",
        "Feedback the devices received (from the gateway):",
    ),
    "api_login_missing": (
        "Perlu login API: --api-user dan --api-password (admin atau operator)",
        "An API login is needed: --api-user and --api-password (admin or operator)",
    ),
    "api_failed": ("Gagal memakai API dispatch: {error}", "The dispatch API failed: {error}"),
    "next_title": ("Lihat selanjutnya", "Where to look next"),
    "logins_title": ("Akun demo (kata sandi hanya untuk demo ini)", "Demo logins (this run only)"),
    "running": (
        "Layanan tetap berjalan. Tekan Ctrl-C untuk berhenti.",
        "Services keep running. Press Ctrl-C to stop.",
    ),
    "stopping": ("Menghentikan layanan ...", "Stopping services ..."),
    "stopped": ("Semua layanan berhenti.", "Every service stopped."),
}


# Feedback states as a person reads them; the contract's word stays in brackets.
FEEDBACK_STATES: dict[str, tuple[str, str]] = {
    "pending": ("menunggu konfirmasi", "waiting for confirmation"),
    "confirmed": ("terkonfirmasi", "confirmed"),
    "unconfirmed": ("diteruskan tanpa konfirmasi", "forwarded unconfirmed"),
    "cancelled": ("dibatalkan", "cancelled"),
    "acknowledged": ("diterima petugas", "acknowledged by staff"),
    "dispatched": ("unit dikirim", "unit dispatched"),
    "resolved": ("selesai", "resolved"),
    "test": ("uji berhasil", "test received"),
    # Further LED indications of the firmware twin.
    "idle": ("siaga", "idle"),
    "sending": ("mengirim", "sending"),
    "queued_offline": ("tersimpan, belum terhubung", "queued while offline"),
}


def feedback_state(state: str | None, lang: str = "id") -> str:
    names = FEEDBACK_STATES.get(state or "")
    if names is None:
        return str(state)
    name = names[1] if lang == "en" else names[0]
    return name if name == state else f"{name} ({state})"


def text(key: str, lang: str = "id", **values: object) -> str:
    """Return the message ``key`` in ``lang`` (``id`` or ``en``) with ``values`` filled in."""
    indonesian, english = TEXT[key]
    template = english if lang == "en" else indonesian
    return template.format(**values)
