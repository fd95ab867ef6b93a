// Incident rules the console decides on, kept free of DOM and network code.
// States and transitions follow the dispatch API contract:
// unconfirmed|confirmed -> acknowledged -> dispatched -> on_scene -> resolved.

export const State = Object.freeze({
  UNCONFIRMED: "unconfirmed",
  CONFIRMED: "confirmed",
  ACKNOWLEDGED: "acknowledged",
  DISPATCHED: "dispatched",
  ON_SCENE: "on_scene",
  RESOLVED: "resolved",
  CANCELLED: "cancelled",
});

export const WAITING_STATES = Object.freeze([State.UNCONFIRMED, State.CONFIRMED]);
export const OPEN_STATES = Object.freeze([...WAITING_STATES, State.ACKNOWLEDGED, State.DISPATCHED, State.ON_SCENE]);

export const Action = Object.freeze({
  ACKNOWLEDGE: "acknowledge",
  DISPATCH: "dispatch",
  ARRIVE: "arrive",
  RESOLVE: "resolve",
});

export const OUTCOMES = Object.freeze(["genuine", "false_alarm", "mis_press", "prank"]);

export const QueueFilter = Object.freeze({ OPEN: "open", ALL: "all" });

// Alert decision for an incident update: whether and why the desk is alerted.
export const AlertKind = Object.freeze({
  NONE: "none",
  NEW_EMERGENCY: "new_emergency",
  NOW_CONFIRMED: "now_confirmed",
  REOPENED: "reopened",
});

export function isOpen(incident) {
  return OPEN_STATES.includes(incident.state);
}

export function isWaiting(incident) {
  return WAITING_STATES.includes(incident.state);
}

// The actions the API accepts from the incident's state. The server decides;
// this only chooses which buttons to show, and a 409 is still shown when the
// state moved on in the meantime.
export function availableActions(incident) {
  switch (incident.state) {
    case State.UNCONFIRMED:
    case State.CONFIRMED:
      return [Action.ACKNOWLEDGE, Action.RESOLVE];
    case State.ACKNOWLEDGED:
      return [Action.DISPATCH, Action.RESOLVE];
    case State.DISPATCHED:
      return [Action.ARRIVE, Action.RESOLVE];
    case State.ON_SCENE:
      return [Action.RESOLVE];
    default:
      return [];
  }
}

// Test incidents and cancelled mis-presses never belong in the staff queue.
export function shownInQueue(incident, filter) {
  if (incident.test === true || incident.state === State.CANCELLED) return false;
  return filter === QueueFilter.ALL || isOpen(incident);
}

// Lower sorts first: confirmed emergencies waiting for a person, then
// unconfirmed ones, then those being handled, then resolved.
export function priority(incident) {
  if (isWaiting(incident)) return incident.confirmation === "confirmed" ? 0 : 1;
  if (isOpen(incident)) return 2;
  return 3;
}

export function compareIncidents(a, b) {
  const byPriority = priority(a) - priority(b);
  if (byPriority !== 0) return byPriority;
  const timeA = Date.parse(a.first_event_at) || 0;
  const timeB = Date.parse(b.first_event_at) || 0;
  if (timeA !== timeB) return timeB - timeA;
  return String(b.id).localeCompare(String(a.id));
}

// Decides whether an update that arrived on the live stream must alert the
// desk. `previous` is the copy the page held before, or undefined.
export function alertFor(previous, incident) {
  if (incident.test === true || !isWaiting(incident)) return AlertKind.NONE;
  if (!previous) return AlertKind.NEW_EMERGENCY;
  if (!isOpen(previous)) return AlertKind.REOPENED;
  if (previous.confirmation !== "confirmed" && incident.confirmation === "confirmed") {
    return AlertKind.NOW_CONFIRMED;
  }
  return AlertKind.NONE;
}

// Store of the incidents loaded in the page, by id, with the ids that
// arrived on the live stream and were not opened yet.
export class IncidentStore {
  constructor() {
    this.byId = new Map();
    this.unseen = new Set();
    this.listeners = new Set();
  }

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(change) {
    for (const listener of this.listeners) listener(change);
  }

  get(id) {
    return this.byId.get(id);
  }

  // Loads a page of the list endpoint. `skip` contains ids that the stream
  // updated while the list request was in flight, so an older copy from the
  // list does not overwrite a newer one from the stream.
  load(incidents, skip = new Set()) {
    for (const incident of incidents) {
      if (!skip.has(incident.id)) this.byId.set(incident.id, incident);
    }
    this.notify({ kind: "load" });
  }

  // Applies one incident from the stream or from an action's response and
  // returns the alert it calls for.
  apply(incident, { fromStream = false } = {}) {
    const previous = this.byId.get(incident.id);
    this.byId.set(incident.id, incident);
    const alert = fromStream ? alertFor(previous, incident) : AlertKind.NONE;
    if (alert !== AlertKind.NONE) this.unseen.add(incident.id);
    if (!isWaiting(incident)) this.unseen.delete(incident.id);
    this.notify({ kind: "update", incident, previous, alert });
    return alert;
  }

  markSeen(id) {
    if (this.unseen.delete(id)) this.notify({ kind: "seen", id });
  }

  clear() {
    this.byId.clear();
    this.unseen.clear();
    this.notify({ kind: "clear" });
  }

  list(filter) {
    return [...this.byId.values()].filter((incident) => shownInQueue(incident, filter)).sort(compareIncidents);
  }

  waitingCount() {
    return [...this.byId.values()].filter((incident) => shownInQueue(incident, QueueFilter.OPEN) && isWaiting(incident))
      .length;
  }
}
