// Console settings: config.json beside index.html (set by the operator of
// the dispatch service), overridden per browser by what an admin saves in the
// settings page. The default tile URL is empty: the map then draws markers
// on a plain background and requests no tiles, so a station without
// internet access works and nothing is sent to a public tile server.

const TILE_URL_KEY = "ampera.console.tile_url";

const DEFAULTS = Object.freeze({
  tile_url: "",
  tile_attribution: "",
  tile_max_zoom: 19,
  center: { lat: -2.9761, lon: 104.7754 },
  zoom: 12,
  poll_interval_s: 5,
});

let loaded = { ...DEFAULTS };

export async function loadConfig() {
  try {
    const response = await fetch(new URL("config.json", document.baseURI), { cache: "no-store" });
    if (response.ok) loaded = { ...DEFAULTS, ...(await response.json()) };
  } catch (error) {
    console.warn("config.json could not be read, using defaults:", error.message);
  }
  return loaded;
}

export function config() {
  return loaded;
}

export function storedTileUrl() {
  try {
    return localStorage.getItem(TILE_URL_KEY);
  } catch {
    return null;
  }
}

// The tile URL in force: the browser's setting when one was saved (an empty
// string means "no tiles"), else config.json's.
export function tileUrl() {
  const stored = storedTileUrl();
  return stored !== null ? stored : loaded.tile_url || "";
}

export function saveTileUrl(value) {
  if (value === null) localStorage.removeItem(TILE_URL_KEY);
  else localStorage.setItem(TILE_URL_KEY, value);
}

// A usable template is absolute http(s) or a path on this server, with the
// {z}, {x} and {y} placeholders Leaflet fills in.
export function validTileUrl(value) {
  if (value === "") return true;
  if (!/^(https?:\/\/|\/)/.test(value)) return false;
  return ["{z}", "{x}", "{y}"].every((placeholder) => value.includes(placeholder));
}
