// The audible alert for a new emergency: a two-tone beep made with Web Audio,
// so no sound file has to be served. Browsers start audio only after a user
// gesture; until then `needsGesture()` is true and the page offers a button.

const SOUND_KEY = "ampera.console.sound";

let context = null;
let beepsPlayed = 0;

export function soundEnabled() {
  try {
    return localStorage.getItem(SOUND_KEY) !== "off";
  } catch {
    return true;
  }
}

export function setSoundEnabled(enabled) {
  try {
    localStorage.setItem(SOUND_KEY, enabled ? "on" : "off");
  } catch {
    // Without storage the setting lasts until the page reloads.
  }
}

function audioContext() {
  if (!context) {
    const AudioContextClass = window.AudioContext || window.webkitAudioContext;
    if (!AudioContextClass) return null;
    context = new AudioContextClass();
  }
  return context;
}

// Call from a click or key handler: creating or resuming the AudioContext
// there is what browsers accept as permission to play sound later.
export function unlockAudio() {
  const audio = audioContext();
  if (audio && audio.state === "suspended") audio.resume().catch(() => {});
}

export function needsGesture() {
  const audio = audioContext();
  return Boolean(audio) && audio.state !== "running";
}

// Three short high-low pairs, about 1.2 s in all.
export function playAlertBeep() {
  if (!soundEnabled()) return false;
  const audio = audioContext();
  if (!audio) return false;
  if (audio.state === "suspended") audio.resume().catch(() => {});
  const start = audio.currentTime + 0.02;
  for (let pair = 0; pair < 3; pair += 1) {
    tone(audio, 1046, start + pair * 0.4, 0.16);
    tone(audio, 784, start + pair * 0.4 + 0.18, 0.16);
  }
  beepsPlayed += 1;
  document.documentElement.dataset.beeps = String(beepsPlayed);
  return true;
}

function tone(audio, frequencyHz, at, lengthS) {
  const oscillator = audio.createOscillator();
  const gain = audio.createGain();
  oscillator.type = "square";
  oscillator.frequency.value = frequencyHz;
  gain.gain.setValueAtTime(0.0001, at);
  gain.gain.exponentialRampToValueAtTime(0.25, at + 0.01);
  gain.gain.exponentialRampToValueAtTime(0.0001, at + lengthS);
  oscillator.connect(gain).connect(audio.destination);
  oscillator.start(at);
  oscillator.stop(at + lengthS + 0.02);
}

// The tab title shows how many emergencies wait, so a station that works in
// another tab still sees them.
export function updateTitle(baseTitle, waiting) {
  document.title = waiting > 0 ? `(${waiting}) ${baseTitle}` : baseTitle;
}
