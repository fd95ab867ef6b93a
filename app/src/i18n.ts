// Screen texts: Bahasa Indonesia first, English available. The choice is kept
// in localStorage because it is needed before IndexedDB has opened.

export type Lang = "id" | "en";

const LANG_KEY = "ampera.lang";

const id = {
  "app.title": "Ampera Panik",
  "lang.switch": "EN",
  "lang.switchLabel": "Switch to English",
  "nav.label": "Menu utama",
  "nav.panic": "Darurat",
  "nav.report": "Laporan",
  "nav.settings": "Pengaturan",
  "test.banner": "MODE UJI: sinyal uji, tidak memanggil petugas",

  "welcome.body":
    "Tombol panik ini mengirim tanda bahaya ke Polsek terdekat. Daftar sekali dengan data yang benar: akun dengan data palsu dihapus petugas.",
  "register.title": "Daftar akun",
  "register.submit": "Daftar",
  "register.toLogin": "Sudah punya akun? Masuk",
  "login.title": "Masuk",
  "login.submit": "Masuk",
  "login.toRegister": "Belum punya akun? Daftar",
  "field.email": "Email",
  "field.name": "Nama lengkap",
  "field.phone": "Nomor HP",
  "field.password": "Kata sandi (minimal 8 karakter)",
  "form.busy": "Mengirim…",
  "error.network": "Tidak ada koneksi ke server. Coba lagi saat terhubung.",
  "error.register": "Pendaftaran gagal: {detail}",
  "error.login": "Gagal masuk: {detail}",
  "error.loginWrong": "Email atau kata sandi salah.",
  "error.sessionExpired": "Sesi Anda berakhir. Silakan masuk lagi.",

  "panic.heading": "Tombol panik",
  "panic.label": "DARURAT",
  "panic.sub": "Ketuk, atau tahan 3 detik",
  "panic.subTest": "Uji coba: tidak memanggil petugas",
  "panic.labelTest": "UJI",
  "panic.aria":
    "Tombol panik. Ketuk untuk mengirim tanda bahaya, lalu Anda punya beberapa detik untuk membatalkan. Tahan sampai lingkaran penuh untuk langsung meneruskan ke Polsek.",
  "panic.ariaTest": "Tombol uji. Mengirim sinyal uji tanpa memanggil petugas.",
  "panic.holding": "Tahan terus…",
  "panic.hint":
    "Ketuk sekali: tanda bahaya terkirim dan Anda punya beberapa detik untuk membatalkan jika salah pencet. Tahan sampai lingkaran penuh: langsung diteruskan ke Polsek.",
  "panic.hintPending": "Ketuk lagi atau tahan tombol untuk langsung meneruskan ke Polsek.",
  "panic.cancel": "BATALKAN (salah pencet)",
  "panic.dismiss": "Tutup",
  "panic.seconds": "detik",
  "panic.noDevice":
    "HP ini belum punya kredensial tombol panik. Masuk dengan akun Anda untuk memakai tombol panik di HP ini. HP lain yang memakai akun yang sama lalu berhenti mengirim tanda bahaya.",
  "device.errorNetwork":
    "Tombol panik belum aktif: tidak ada koneksi ke server. Masuk lagi saat terhubung.",
  "device.errorBusy": "Tombol panik belum aktif: server sedang sibuk. Coba masuk lagi beberapa menit lagi.",
  "device.errorRevoked":
    "Tombol panik untuk akun ini dinonaktifkan petugas. Hubungi Polsek terdekat.",
  "device.error": "Tombol panik belum aktif: {detail}. Coba masuk lagi.",

  "state.idle": "Siap. Tekan tombol saat Anda dalam bahaya.",
  "state.queued":
    "Tidak ada koneksi. Tanda bahaya disimpan di HP dan dikirim otomatis begitu terhubung.",
  "state.sent": "Tanda bahaya terkirim. Menunggu jawaban pusat…",
  "state.pending": "Pusat menerima tanda bahaya. Diteruskan ke Polsek saat hitungan habis, kecuali Anda membatalkan.",
  "state.pendingEstimate": "Tanda bahaya terkirim. Diteruskan ke Polsek saat hitungan habis, kecuali Anda membatalkan.",
  "state.windowOver": "Meneruskan ke Polsek…",
  "state.cancelling": "Membatalkan…",
  "state.confirmed": "Tanda bahaya terkonfirmasi dan diteruskan ke Polsek.",
  "state.unconfirmed": "Tanda bahaya diteruskan ke Polsek. Petugas akan memeriksanya.",
  "state.cancelled": "Dibatalkan. Tidak ada petugas yang dikirim; tercatat sebagai salah pencet.",
  "state.acknowledged": "Polsek sudah menerima tanda bahaya Anda.",
  "state.dispatched": "Petugas sedang menuju lokasi Anda.",
  "state.resolved": "Kejadian sudah ditutup oleh Polsek.",
  "state.test": "Uji berhasil: sinyal sampai ke pusat. Tidak ada petugas yang dikirim.",
  "state.unit": "Unit: {unit}",
  "state.testSent": "Sinyal uji terkirim. Menunggu jawaban pusat…",
  "state.stayCalm": "Tetap di tempat aman dan aktifkan nada dering HP Anda.",

  "conn.online": "Terhubung",
  "conn.connecting": "Menghubungkan…",
  "conn.offline": "Tidak ada koneksi",
  "conn.rejected": "Ditolak server",
  "conn.rejectedHelp":
    "Server menolak kredensial HP ini (mungkin dicabut, atau akun ini sudah masuk di HP lain). Tanda bahaya tetap disimpan di HP. Hubungi Polsek terdekat.",
  "conn.gatewayDown":
    "Pusat penerima sedang tidak aktif. Tanda bahaya tetap tersimpan di server dan diproses saat pusat aktif kembali.",
  "queue.count": "{n} tanda menunggu dikirim",
  "loc.ok": "Lokasi terakhir: akurasi ±{acc} m",
  "loc.denied":
    "Izin lokasi ditolak. Tanda bahaya tetap terkirim tanpa lokasi; izinkan lokasi agar petugas lebih cepat menemukan Anda.",
  "loc.unavailable": "Lokasi belum tersedia. Tanda bahaya tetap terkirim tanpa lokasi.",

  "report.title": "Laporan pengaduan",
  "report.intro":
    "Laporkan kejadian yang bukan keadaan darurat, misalnya perjudian atau pencurian. Untuk keadaan darurat, pakai tombol panik.",
  "report.category": "Kategori",
  "cat.perjudian": "Perjudian",
  "cat.pencurian": "Pencurian",
  "cat.begal": "Begal (perampasan di jalan)",
  "cat.narkoba": "Narkoba",
  "cat.kekerasan": "Kekerasan",
  "cat.penipuan": "Penipuan",
  "cat.keributan": "Keributan",
  "cat.lainnya": "Lainnya",
  "report.text": "Uraian kejadian (apa, kapan, di mana)",
  "report.includeLocation": "Sertakan lokasi saya saat ini",
  "report.submit": "Kirim laporan",
  "report.sent": "Laporan terkirim (nomor {id}). Terima kasih.",
  "report.needLogin": "Masuk dulu untuk mengirim laporan.",
  "report.toLogin": "Masuk",
  "report.error": "Laporan gagal dikirim: {detail}",
  "report.offline": "Tidak ada koneksi. Laporan belum terkirim; coba lagi saat terhubung.",

  "settings.title": "Pengaturan",
  "settings.account": "Akun",
  "settings.device": "ID perangkat",
  "settings.none": "belum ada",
  "settings.testMode": "Mode uji (untuk demonstrasi)",
  "settings.testModeHelp":
    "Dalam mode uji, tombol mengirim sinyal uji. Sinyal uji melewati seluruh jalur, tetapi tidak masuk antrean petugas dan tidak dihitung dalam statistik.",
  "settings.stored": "Data yang disimpan di HP ini",
  "settings.storedDevice": "Kredensial perangkat (ID dan kata sandi MQTT): agar tombol panik bisa terhubung.",
  "settings.storedSession": "Token masuk, email dan nama: untuk mengirim laporan; token kedaluwarsa sendiri.",
  "settings.storedQueue": "Tanda bahaya yang belum terkirim, beserta nomor urutnya: dikirim saat terhubung.",
  "settings.storedNoPassword": "Kata sandi akun tidak pernah disimpan.",
  "settings.logout": "Keluar",
  "settings.logoutHelp": "Keluar menghapus token masuk. Tombol panik tetap bekerja di HP ini.",
  "settings.wipe": "Hapus semua data dari HP ini",
  "settings.wipeConfirm":
    "Hapus semua data? Tombol panik tidak bisa dipakai lagi di HP ini, dan tanda bahaya yang belum terkirim ikut terhapus.",
  "settings.version": "Versi aplikasi",
};

type Key = keyof typeof id;

const en: Record<Key, string> = {
  "app.title": "Ampera Panic",
  "lang.switch": "ID",
  "lang.switchLabel": "Ganti ke Bahasa Indonesia",
  "nav.label": "Main menu",
  "nav.panic": "Emergency",
  "nav.report": "Report",
  "nav.settings": "Settings",
  "test.banner": "TEST MODE: test signal, no officers are called",

  "welcome.body":
    "This panic button sends an alert to the nearest Polsek (police station). Register once with your real details: accounts with false details are removed by staff.",
  "register.title": "Create an account",
  "register.submit": "Register",
  "register.toLogin": "Already registered? Log in",
  "login.title": "Log in",
  "login.submit": "Log in",
  "login.toRegister": "No account yet? Register",
  "field.email": "E-mail",
  "field.name": "Full name",
  "field.phone": "Phone number",
  "field.password": "Password (at least 8 characters)",
  "form.busy": "Sending…",
  "error.network": "No connection to the server. Try again when you are online.",
  "error.register": "Registration failed: {detail}",
  "error.login": "Login failed: {detail}",
  "error.loginWrong": "Wrong e-mail or password.",
  "error.sessionExpired": "Your session has expired. Please log in again.",

  "panic.heading": "Panic button",
  "panic.label": "EMERGENCY",
  "panic.sub": "Tap, or hold 3 seconds",
  "panic.subTest": "Test: no officers are called",
  "panic.labelTest": "TEST",
  "panic.aria":
    "Panic button. Tap to send an alert; you then have a few seconds to cancel. Hold until the ring is full to forward it to the Polsek at once.",
  "panic.ariaTest": "Test button. Sends a test signal without calling officers.",
  "panic.holding": "Keep holding…",
  "panic.hint":
    "Tap once: the alert is sent and you have a few seconds to cancel a mistaken press. Hold until the ring is full: it goes to the Polsek at once.",
  "panic.hintPending": "Tap again or hold the button to forward it to the Polsek at once.",
  "panic.cancel": "CANCEL (pressed by mistake)",
  "panic.dismiss": "Close",
  "panic.seconds": "seconds",
  "panic.noDevice":
    "This phone has no panic-button credentials. Log in with your account to use the panic button on this phone. Another phone using the same account then stops sending alerts.",
  "device.errorNetwork":
    "The panic button is not active yet: no connection to the server. Log in again when you are online.",
  "device.errorBusy":
    "The panic button is not active yet: the server is busy. Try logging in again in a few minutes.",
  "device.errorRevoked":
    "Staff have disabled the panic button of this account. Contact your nearest Polsek.",
  "device.error": "The panic button is not active yet: {detail}. Try logging in again.",

  "state.idle": "Ready. Press the button when you are in danger.",
  "state.queued": "No connection. The alert is stored on the phone and sent as soon as it connects.",
  "state.sent": "Alert sent. Waiting for the centre to answer…",
  "state.pending": "The centre has your alert. It goes to the Polsek when the countdown ends, unless you cancel.",
  "state.pendingEstimate": "Alert sent. It goes to the Polsek when the countdown ends, unless you cancel.",
  "state.windowOver": "Forwarding to the Polsek…",
  "state.cancelling": "Cancelling…",
  "state.confirmed": "Alert confirmed and forwarded to the Polsek.",
  "state.unconfirmed": "Alert forwarded to the Polsek. Officers will check it.",
  "state.cancelled": "Cancelled. No officers were sent; it is recorded as a mistaken press.",
  "state.acknowledged": "The Polsek has received your alert.",
  "state.dispatched": "Officers are on their way to you.",
  "state.resolved": "The Polsek has closed the incident.",
  "state.test": "Test passed: the signal reached the centre. No officers were sent.",
  "state.unit": "Unit: {unit}",
  "state.testSent": "Test signal sent. Waiting for the centre to answer…",
  "state.stayCalm": "Stay somewhere safe and turn your phone's ringer on.",

  "conn.online": "Connected",
  "conn.connecting": "Connecting…",
  "conn.offline": "No connection",
  "conn.rejected": "Rejected by the server",
  "conn.rejectedHelp":
    "The server rejected this phone's credentials (perhaps revoked, or the account logged in on another phone). Alerts stay stored on the phone. Contact your nearest Polsek.",
  "conn.gatewayDown":
    "The receiving centre is down. Alerts stay stored at the server and are handled when it is back.",
  "queue.count": "{n} alerts waiting to be sent",
  "loc.ok": "Last location: accuracy ±{acc} m",
  "loc.denied":
    "Location permission refused. Alerts are still sent, without a location; allow location so officers find you faster.",
  "loc.unavailable": "No location yet. Alerts are still sent, without a location.",

  "report.title": "Complaint report",
  "report.intro":
    "Report something that is not an emergency, such as gambling or theft. In an emergency, use the panic button.",
  "report.category": "Category",
  "cat.perjudian": "Gambling",
  "cat.pencurian": "Theft",
  "cat.begal": "Street robbery (begal)",
  "cat.narkoba": "Drugs",
  "cat.kekerasan": "Violence",
  "cat.penipuan": "Fraud",
  "cat.keributan": "Disturbance",
  "cat.lainnya": "Other",
  "report.text": "What happened (what, when, where)",
  "report.includeLocation": "Include my current location",
  "report.submit": "Send report",
  "report.sent": "Report sent (number {id}). Thank you.",
  "report.needLogin": "Log in first to send a report.",
  "report.toLogin": "Log in",
  "report.error": "The report was not sent: {detail}",
  "report.offline": "No connection. The report was not sent; try again when you are online.",

  "settings.title": "Settings",
  "settings.account": "Account",
  "settings.device": "Device ID",
  "settings.none": "none yet",
  "settings.testMode": "Test mode (for demonstrations)",
  "settings.testModeHelp":
    "In test mode the button sends test signals. They travel the whole path but never enter the staff queue or the statistics.",
  "settings.stored": "Data kept on this phone",
  "settings.storedDevice": "Device credentials (MQTT id and password): so the panic button can connect.",
  "settings.storedSession": "Login token, e-mail and name: to send reports; the token expires by itself.",
  "settings.storedQueue": "Alerts not yet sent, with their sequence numbers: sent when online.",
  "settings.storedNoPassword": "Your account password is never stored.",
  "settings.logout": "Log out",
  "settings.logoutHelp": "Logging out deletes the login token. The panic button keeps working on this phone.",
  "settings.wipe": "Delete all data from this phone",
  "settings.wipeConfirm":
    "Delete all data? The panic button will no longer work on this phone, and alerts not yet sent are deleted too.",
  "settings.version": "App version",
};

export type TextKey = Key;

const TEXTS: Record<Lang, Record<Key, string>> = { id, en };

let current: Lang = loadLang();

function loadLang(): Lang {
  try {
    return localStorage.getItem(LANG_KEY) === "en" ? "en" : "id";
  } catch {
    return "id";
  }
}

export function lang(): Lang {
  return current;
}

export function setLang(next: Lang): void {
  current = next;
  try {
    localStorage.setItem(LANG_KEY, next);
  } catch {
    // Private mode without storage: the choice lasts until the page closes.
  }
}

/** Return the text for `key` in the current language, with `{name}` placeholders filled. */
export function t(key: TextKey, values: Record<string, string | number> = {}): string {
  return TEXTS[current][key].replace(/\{(\w+)\}/g, (match, name: string) =>
    name in values ? String(values[name]) : match,
  );
}

export function isTextKey(key: string): key is TextKey {
  return key in id;
}
