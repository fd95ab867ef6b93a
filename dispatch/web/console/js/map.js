// The incident map: Leaflet (vendored, see vendor/leaflet/README.md) with
// the incident, its accuracy circle and the Polsek stations. Tiles are drawn
// only when a tile URL is configured (see config.js).

import * as L from "../vendor/leaflet/leaflet-src.esm.js";
import { config, tileUrl } from "./config.js";
import { h } from "./dom.js";

function markerIcon(kind, symbol) {
  return L.divIcon({
    className: `map-marker map-marker--${kind}`,
    html: `<span aria-hidden="true">${symbol}</span>`,
    iconSize: kind === "station" ? [26, 26] : [36, 36],
    iconAnchor: kind === "station" ? [13, 13] : [18, 18],
    tooltipAnchor: kind.startsWith("station") ? [0, 0] : [0, -16],
  });
}

// Draws the map into `container` and returns a handle with remove().
// `incident.loc` may be missing; then only the stations are drawn.
export function drawIncidentMap(container, { incident, stations, stationId, labels }) {
  const settings = config();
  const tiles = tileUrl();
  container.classList.toggle("map--plain", !tiles);
  const map = L.map(container, {
    zoomControl: true,
    attributionControl: true,
    scrollWheelZoom: false,
  });
  map.attributionControl.setPrefix(false);
  if (tiles) {
    L.tileLayer(tiles, {
      maxZoom: settings.tile_max_zoom || 19,
      attribution: settings.tile_attribution || "",
    }).addTo(map);
  }
  L.control.scale({ imperial: false }).addTo(map);

  const points = [];
  for (const station of stations) {
    if (typeof station.lat !== "number" || typeof station.lon !== "number") continue;
    const own = station.id === stationId;
    const marker = L.marker([station.lat, station.lon], {
      icon: markerIcon(own ? "station-own" : "station", "P"),
      title: station.name,
      keyboard: false,
      zIndexOffset: own ? 500 : 0,
    }).addTo(map);
    marker.bindTooltip(station.name, {
      permanent: own,
      direction: "bottom",
      offset: [0, 14],
      className: own ? "map-tooltip map-tooltip--own" : "map-tooltip",
    });
    if (own) points.push([station.lat, station.lon]);
  }

  const loc = incident?.loc;
  if (loc && typeof loc.lat === "number" && typeof loc.lon === "number") {
    const confirmed = incident.confirmation === "confirmed";
    if (typeof loc.acc_m === "number" && loc.acc_m > 0) {
      L.circle([loc.lat, loc.lon], {
        radius: loc.acc_m,
        className: confirmed ? "map-accuracy map-accuracy--confirmed" : "map-accuracy",
      }).addTo(map);
    }
    L.marker([loc.lat, loc.lon], {
      icon: markerIcon(confirmed ? "confirmed" : "unconfirmed", confirmed ? "!" : "?"),
      title: labels.incident,
      zIndexOffset: 1000,
    })
      .addTo(map)
      .bindTooltip(labels.incident, { permanent: true, direction: "top", className: "map-tooltip map-tooltip--incident" });
    points.push([loc.lat, loc.lon]);
  }

  if (points.length >= 2) map.fitBounds(L.latLngBounds(points), { padding: [48, 48], maxZoom: 17 });
  else if (points.length === 1) map.setView(points[0], 15);
  else map.setView([settings.center.lat, settings.center.lon], settings.zoom);

  // The container may have been sized after Leaflet measured it.
  requestAnimationFrame(() => map.invalidateSize());
  return { remove: () => map.remove(), leaflet: map };
}

export function mapLegend(labels) {
  return h(
    "ul",
    { class: "map-legend" },
    h("li", {}, h("span", { class: "legend-swatch map-marker--confirmed", "aria-hidden": "true" }, "!"), labels.confirmed),
    h("li", {}, h("span", { class: "legend-swatch map-marker--unconfirmed", "aria-hidden": "true" }, "?"), labels.unconfirmed),
    h("li", {}, h("span", { class: "legend-swatch map-marker--station-own", "aria-hidden": "true" }, "P"), labels.station),
  );
}

// The overview map of the queue: every listed incident with a location, and
// all stations. Returns a handle whose update(incidents) redraws the
// incident markers in place, so the view keeps its zoom while alerts arrive.
export function drawOverviewMap(container, { stations, labels, onOpen }) {
  const settings = config();
  const tiles = tileUrl();
  container.classList.toggle("map--plain", !tiles);
  const map = L.map(container, { scrollWheelZoom: false });
  map.attributionControl.setPrefix(false);
  if (tiles) {
    L.tileLayer(tiles, {
      maxZoom: settings.tile_max_zoom || 19,
      attribution: settings.tile_attribution || "",
    }).addTo(map);
  }
  L.control.scale({ imperial: false }).addTo(map);

  const stationPoints = [];
  for (const station of stations) {
    if (typeof station.lat !== "number" || typeof station.lon !== "number") continue;
    L.marker([station.lat, station.lon], { icon: markerIcon("station", "P"), title: station.name, keyboard: false })
      .addTo(map)
      .bindTooltip(station.name, { direction: "bottom", offset: [0, 14], className: "map-tooltip" });
    stationPoints.push([station.lat, station.lon]);
  }
  if (stationPoints.length) map.fitBounds(L.latLngBounds(stationPoints), { padding: [24, 24] });
  else map.setView([settings.center.lat, settings.center.lon], settings.zoom);

  const layer = L.layerGroup().addTo(map);
  function update(incidents) {
    layer.clearLayers();
    for (const incident of incidents) {
      const loc = incident.loc;
      if (!loc || typeof loc.lat !== "number" || typeof loc.lon !== "number") continue;
      const confirmed = incident.confirmation === "confirmed";
      const marker = L.marker([loc.lat, loc.lon], {
        icon: markerIcon(confirmed ? "confirmed" : "unconfirmed", confirmed ? "!" : "?"),
        title: labels.describe(incident),
        zIndexOffset: confirmed ? 1000 : 500,
      });
      marker.on("click", () => onOpen(incident.id));
      marker.on("add", () => {
        const element = marker.getElement();
        if (element) element.dataset.incidentId = incident.id;
      });
      marker.bindTooltip(labels.describe(incident), { direction: "top", className: "map-tooltip" });
      layer.addLayer(marker);
    }
  }
  requestAnimationFrame(() => map.invalidateSize());
  return { update, remove: () => map.remove(), leaflet: map };
}
