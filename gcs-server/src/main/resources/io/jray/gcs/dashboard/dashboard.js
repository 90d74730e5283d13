// JRay dashboard: reads GCS's /api/ every 2 s (the token is in a cookie, see MetricsServer) and
// draws with plain DOM and canvas; no build step, no library. Text from the cluster is only ever
// set as textContent, never as HTML.
"use strict";

const REFRESH_MS = 2000;
const HISTORY = 150; // samples kept for the charts: 5 minutes at 2 s
const PAGE = 50;
const state = { tab: "nodes", tasksOffset: 0, history: [], lastFinished: null, lastTime: null, logOffset: null };

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

async function api(path) {
  const r = await fetch("/api/" + path, { credentials: "same-origin", cache: "no-store" });
  const body = await r.json().catch(() => ({ error: "HTTP " + r.status }));
  if (!r.ok) {
    if (r.status === 401) throw new Error("not authorized: open this page once as /?token=TOKEN (the session's token file)");
    throw new Error(body.error || ("HTTP " + r.status));
  }
  return body;
}

function bytes(n) {
  const u = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + " " + u[i];
}

function when(ms) {
  return ms ? new Date(ms).toLocaleString() : "";
}

function num(v) {
  return Number.isInteger(v) ? String(v) : Number(v).toFixed(2);
}

function bar(fraction, cls) {
  const b = el("div", { class: "bar" + (cls ? " " + cls : "") });
  const fill = el("div");
  fill.style.width = Math.max(0, Math.min(100, fraction * 100)).toFixed(1) + "%";
  b.append(fill);
  return b;
}

function card(label, value, ...sub) {
  return el("div", { class: "card" }, el("div", { class: "label", text: label }), el("div", { class: "value", text: value }), ...sub);
}

function sum(obj) {
  return Object.values(obj || {}).reduce((a, b) => a + b, 0);
}

function setStatus(message, isError) {
  const s = document.getElementById("status");
  s.textContent = message;
  s.className = "status" + (isError ? " error" : "");
}

function showWarnings(list) {
  const w = document.getElementById("warnings");
  w.replaceChildren(...(list || []).map(t => el("div", { text: t })));
  w.hidden = !list || list.length === 0;
}

// ---- summary and charts ----

function renderSummary(s) {
  document.getElementById("gcs").textContent = "GCS incarnation " + s.gcs.incarnation + ", up since " + when(s.gcs.start_time_ms);
  document.getElementById("updated").textContent = "updated " + new Date(s.time_ms).toLocaleTimeString();
  const cards = [];
  cards.push(card("Nodes", String(s.nodes.alive), el("div", { class: "sub", text: s.nodes.dead + " dead" })));
  for (const [name, r] of Object.entries(s.resources)) {
    cards.push(card(name, num(r.used) + " / " + num(r.total), bar(r.total ? r.used / r.total : 0),
      el("div", { class: "sub muted", text: "used / total" })));
  }
  const st = s.object_store;
  cards.push(card("Object store", bytes(st.used) + " / " + bytes(st.capacity), bar(st.capacity ? st.used / st.capacity : 0),
    el("div", { class: "sub", text: bytes(st.spilled) + " spilled" })));
  cards.push(card("Jobs", String((s.jobs.RUNNING || 0)) + " running",
    el("div", { class: "sub", text: Object.entries(s.jobs).map(([k, v]) => v + " " + k.toLowerCase()).join(", ") || "none" })));
  cards.push(card("Actors", String((s.actors.ALIVE || 0)) + " alive",
    el("div", { class: "sub", text: Object.entries(s.actors).map(([k, v]) => v + " " + k.toLowerCase()).join(", ") || "none" })));
  cards.push(card("Tasks", String(sum(s.tasks)),
    el("div", { class: "sub", text: Object.entries(s.tasks).map(([k, v]) => v + " " + k.toLowerCase()).join(", ") || "none yet" }),
    el("div", { class: "sub muted", text: s.tasks_stored + " of at most " + s.tasks_capacity + " kept" })));
  document.getElementById("summary").replaceChildren(...cards);
  showWarnings(s.warnings);

  const finished = (s.tasks.FINISHED || 0) + (s.tasks.FAILED || 0) + (s.tasks.CANCELLED || 0);
  let rate = 0;
  if (state.lastFinished !== null && s.time_ms > state.lastTime) {
    rate = Math.max(0, (finished - state.lastFinished) * 1000 / (s.time_ms - state.lastTime));
  }
  state.lastFinished = finished;
  state.lastTime = s.time_ms;
  const cpu = s.resources.CPU || { used: 0, total: 0 };
  state.history.push({ t: s.time_ms, rate, cpu: cpu.used, cpuTotal: cpu.total, store: st.used, storeCap: st.capacity });
  if (state.history.length > HISTORY) state.history.shift();
  chart("chart-tasks", state.history.map(h => h.rate), null, v => num(Math.round(v)));
  chart("chart-cpu", state.history.map(h => h.cpu), cpu.total, num);
  chart("chart-store", state.history.map(h => h.store), st.capacity, bytes);
}

function chart(id, values, max, label) {
  const c = document.getElementById(id);
  const g = c.getContext("2d");
  const w = c.width, h = c.height, pad = 18;
  g.clearRect(0, 0, w, h);
  const top = Math.max(max || 0, ...values, 1);
  g.strokeStyle = "#e4e7ec";
  g.beginPath(); g.moveTo(0, pad); g.lineTo(w, pad); g.moveTo(0, h - 1); g.lineTo(w, h - 1); g.stroke();
  g.fillStyle = "#7a8294";
  g.font = "11px sans-serif";
  g.fillText(label(top), 2, 12);
  g.fillText("now: " + label(values.length ? values[values.length - 1] : 0), w - 120, 12);
  if (values.length < 2) return;
  g.strokeStyle = "#3a7bd5";
  g.lineWidth = 2;
  g.beginPath();
  values.forEach((v, i) => {
    const x = (i / (HISTORY - 1)) * w;
    const y = h - 1 - (v / top) * (h - pad - 1);
    if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
  });
  g.stroke();
}

// ---- tables ----

function table(id, columns, rows, empty) {
  const t = document.getElementById(id);
  const head = el("tr", {}, ...columns.map(c => el("th", { text: c.title })));
  const body = rows.map(r => el("tr", {}, ...columns.map(c => {
    const v = c.value(r);
    const td = el("td", { class: c.cls ? c.cls(r) : "" });
    if (v instanceof Node) td.append(v); else td.textContent = v === undefined || v === null ? "" : String(v);
    return td;
  })));
  if (rows.length === 0) body.push(el("tr", {}, el("td", { colspan: String(columns.length), class: "muted", text: empty })));
  t.replaceChildren(el("thead", {}, head), el("tbody", {}, ...body));
}

const stateCls = r => "state-" + r.state;
const short = id => (id || "").slice(0, 12);

async function renderNodes() {
  const r = await api("nodes");
  showWarnings(r.warnings);
  table("nodes-table", [
    { title: "node", value: n => short(n.node_id), cls: () => "id" },
    { title: "state", value: n => n.state, cls: stateCls },
    { title: "address", value: n => n.host + ":" + n.raylet_port + (n.is_head ? " (head)" : "") },
    { title: "resources (available / total)", value: n => Object.entries(n.resources).map(([k, v]) =>
        k + " " + num((n.available_resources || {})[k] ?? 0) + "/" + num(v)).join(", ") },
    { title: "object store", value: n => n.store ? bytes(n.store.used) + " / " + bytes(n.store.capacity)
        + (n.store.spilled ? ", " + bytes(n.store.spilled) + " spilled" : "") : "" },
    { title: "workers", value: n => Object.entries(n.workers || {}).map(([k, v]) => v + " " + k.toLowerCase()).join(", ") },
    { title: "since", value: n => when(n.start_time_ms) },
    { title: "death", value: n => n.death_reason },
  ], r.rows, "no nodes");
}

async function renderJobs() {
  const rows = await api("jobs");
  table("jobs-table", [
    { title: "job", value: j => j.job_id, cls: () => "id" },
    { title: "state", value: j => j.state, cls: stateCls },
    { title: "driver", value: j => j.driver_host + " pid " + j.driver_pid },
    { title: "started", value: j => when(j.start_time_ms) },
    { title: "ended", value: j => when(j.end_time_ms) },
    { title: "why", value: j => j.end_reason },
  ], rows.slice().reverse(), "no jobs yet");
}

async function renderActors() {
  const rows = await api("actors");
  table("actors-table", [
    { title: "actor", value: a => short(a.actor_id), cls: () => "id" },
    { title: "class", value: a => a.class },
    { title: "name", value: a => a.name },
    { title: "state", value: a => a.state, cls: stateCls },
    { title: "restarts", value: a => a.restarts + " / " + (a.max_restarts < 0 ? "∞" : a.max_restarts) },
    { title: "node", value: a => short(a.node_id), cls: () => "id" },
    { title: "pid", value: a => a.pid || "" },
    { title: "death cause", value: a => a.death_cause || a.pending_reason },
  ], rows, "no actors");
}

function taskFilters() {
  const f = [];
  const s = document.getElementById("tasks-state").value;
  const n = document.getElementById("tasks-name").value.trim();
  const j = document.getElementById("tasks-job").value.trim();
  if (s) f.push("state=" + s);
  if (n) f.push("name=" + n);
  if (j) f.push("job_id=" + j);
  return f.map(x => "&filter=" + encodeURIComponent(x)).join("");
}

async function renderTasks() {
  const r = await api("tasks?limit=" + PAGE + "&offset=" + state.tasksOffset + taskFilters());
  showWarnings(r.warnings);
  const last = Math.min(r.total, state.tasksOffset + r.rows.length);
  document.getElementById("tasks-page").textContent = r.total === 0 ? "no tasks" :
    "tasks " + (state.tasksOffset + 1) + "–" + last + " of " + r.total + " (newest first)";
  document.getElementById("tasks-prev").disabled = state.tasksOffset === 0;
  document.getElementById("tasks-next").disabled = last >= r.total;
  table("tasks-table", [
    { title: "task", value: t => short(t.task_id), cls: () => "id" },
    { title: "function", value: t => t.name },
    { title: "state", value: t => t.state, cls: stateCls },
    { title: "attempt", value: t => t.attempt },
    { title: "node", value: t => short(t.node_id), cls: () => "id" },
    { title: "worker", value: t => short(t.worker_id), cls: () => "id" },
    { title: "started", value: t => when(t.start_time_ms) },
    { title: "took", value: t => t.end_time_ms ? (t.end_time_ms - t.start_time_ms) + " ms" : "" },
    { title: "error", value: t => t.error_type ? t.error_type + ": " + t.error_message : "" },
  ], r.rows, "no tasks match");
  table("tasks-counts", [
    { title: "function", value: c => c.name },
    { title: "state", value: c => c.state, cls: stateCls },
    { title: "tasks", value: c => c.count },
  ], r.counts.slice().sort((a, b) => a.name.localeCompare(b.name) || a.state.localeCompare(b.state)), "none");
}

const SVG = "http://www.w3.org/2000/svg";
const COLORS = { FINISHED: "#2a9d8f", FAILED: "#d62828", CANCELLED: "#8d99ae", RUNNING: "#3a7bd5",
  SUBMITTED: "#e9a23b", PENDING_ARGS: "#e9c46a" };

async function renderTimeline() {
  const r = await api("timeline?limit=300");
  const box = document.getElementById("timeline");
  const lanes = r.lanes;
  const all = lanes.flatMap(l => l.tasks);
  if (all.length === 0) { box.replaceChildren(el("p", { class: "muted", text: "no tasks yet" })); return; }
  const t0 = Math.min(...all.map(t => t.start_time_ms));
  const t1 = Math.max(r.time_ms, ...all.map(t => t.end_time_ms || r.time_ms));
  const left = 110, width = Math.max(600, box.clientWidth - 20) - left, laneH = 18;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("width", String(left + width + 10));
  svg.setAttribute("height", String(lanes.length * laneH + 24));
  const scale = ms => left + ((ms - t0) / Math.max(1, t1 - t0)) * width;
  lanes.forEach((lane, i) => {
    const label = document.createElementNS(SVG, "text");
    label.setAttribute("x", "0"); label.setAttribute("y", String(i * laneH + 13));
    label.textContent = lane.worker_id.slice(0, 12);
    svg.append(label);
    for (const t of lane.tasks) {
      const x = scale(t.start_time_ms), x2 = scale(t.end_time_ms || r.time_ms);
      const rect = document.createElementNS(SVG, "rect");
      rect.setAttribute("x", String(x)); rect.setAttribute("y", String(i * laneH + 2));
      rect.setAttribute("width", String(Math.max(1.5, x2 - x))); rect.setAttribute("height", String(laneH - 4));
      rect.setAttribute("fill", COLORS[t.state] || "#999");
      const tip = document.createElementNS(SVG, "title");
      tip.textContent = t.name + " " + t.state + " " + t.task_id + " (" + ((t.end_time_ms || r.time_ms) - t.start_time_ms) + " ms)";
      rect.append(tip);
      svg.append(rect);
    }
  });
  const axis = document.createElementNS(SVG, "text");
  axis.setAttribute("x", String(left)); axis.setAttribute("y", String(lanes.length * laneH + 18));
  axis.textContent = new Date(t0).toLocaleTimeString() + " … " + new Date(t1).toLocaleTimeString()
    + " (" + ((t1 - t0) / 1000).toFixed(1) + " s, " + all.length + " tasks)";
  svg.append(axis);
  box.replaceChildren(svg);
}

async function renderStore() {
  const s = await api("summary");
  const rows = s.object_store_per_node.map(n => el("div", { class: "card" },
    el("div", { class: "label", text: "node " + short(n.node_id) + " (" + n.host + ")" }),
    el("div", { class: "value", text: bytes(n.used) + " / " + bytes(n.capacity) }),
    bar(n.capacity ? n.used / n.capacity : 0),
    el("div", { class: "sub", text: bytes(n.spilled) + " spilled, " + n.objects + " objects" }),
    bar(n.capacity ? n.spilled / n.capacity : 0, "spilled")));
  document.getElementById("store").replaceChildren(el("div", { class: "cards" }, ...rows));
}

async function loadLogNodes() {
  const r = await api("nodes");
  const sel = document.getElementById("logs-node");
  const keep = sel.value;
  sel.replaceChildren(...r.rows.filter(n => n.state === "ALIVE").map(n =>
    el("option", { value: n.node_id, text: short(n.node_id) + " " + n.host + (n.is_head ? " (head)" : "") })));
  if (keep) sel.value = keep;
  await loadLogFiles();
}

async function loadLogFiles() {
  const node = document.getElementById("logs-node").value;
  if (!node) return;
  const r = await api("logs?node=" + encodeURIComponent(node));
  const sel = document.getElementById("logs-file");
  const keep = sel.value;
  sel.replaceChildren(...r.files.map(f => el("option", { value: f.name, text: f.name + " (" + bytes(f.size) + ")" })));
  if (keep) sel.value = keep;
}

async function showLog() {
  const node = document.getElementById("logs-node").value;
  const file = document.getElementById("logs-file").value;
  if (!node || !file) return;
  const tail = document.getElementById("logs-tail").value || "200";
  const r = await api("log?node=" + encodeURIComponent(node) + "&file=" + encodeURIComponent(file) + "&tail=" + tail);
  const pre = document.getElementById("log-text");
  const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  pre.textContent = r.text;
  if (atBottom) pre.scrollTop = pre.scrollHeight;
}

const RENDER = { nodes: renderNodes, jobs: renderJobs, actors: renderActors, tasks: renderTasks,
  timeline: renderTimeline, store: renderStore, logs: async () => { if (document.getElementById("logs-follow").checked) await showLog(); } };

async function refresh() {
  try {
    renderSummary(await api("summary"));
    await RENDER[state.tab]();
    setStatus("", false);
  } catch (e) {
    setStatus(e.message, true);
  }
}

function selectTab(tab) {
  state.tab = tab;
  for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("active", b.dataset.tab === tab);
  for (const s of document.querySelectorAll(".tab")) s.hidden = s.id !== "tab-" + tab;
  if (tab === "logs") loadLogNodes().catch(e => setStatus(e.message, true));
  refresh();
}

for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => selectTab(b.dataset.tab));
document.getElementById("tasks-form").addEventListener("submit", e => { e.preventDefault(); state.tasksOffset = 0; refresh(); });
document.getElementById("tasks-prev").addEventListener("click", () => { state.tasksOffset = Math.max(0, state.tasksOffset - PAGE); refresh(); });
document.getElementById("tasks-next").addEventListener("click", () => { state.tasksOffset += PAGE; refresh(); });
document.getElementById("logs-node").addEventListener("change", () => loadLogFiles().catch(e => setStatus(e.message, true)));
document.getElementById("logs-show").addEventListener("click", () => showLog().catch(e => setStatus(e.message, true)));
refresh();
setInterval(refresh, REFRESH_MS);
