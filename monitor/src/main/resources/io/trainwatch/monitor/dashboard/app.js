// trainwatch dashboard: a fleet view, a run view and a job view over the monitor's runs and jobs
// API, polled every 2 s.
// No dependencies and no build step. Every value from the API is set as text (never as HTML).
"use strict";

const POLL_MS = 2000;
const SVG_NS = "http://www.w3.org/2000/svg";
let timer = null;
let shown = null; // the JSON on screen: unchanged data is not redrawn (focus and scroll stay put)

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function badge(severity) {
  return el("span", { class: "badge " + severity }, severity.toUpperCase());
}

function ago(ms) {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 120) return s + " s ago";
  if (s < 7200) return Math.round(s / 60) + " min ago";
  return Math.round(s / 3600) + " h ago";
}

function runLink(id) {
  return el("a", { href: "#/runs/" + encodeURIComponent(id) }, id);
}

function jobLink(id) {
  return el("a", { href: "#/jobs/" + encodeURIComponent(id) }, id);
}

// What fires in a job, one line each: severity, rule, and which ranks.
function firingCell(firing) {
  const td = el("td", {});
  if (firing.length === 0) td.append(el("span", { class: "muted" }, "–"));
  for (const a of firing) td.append(el("div", {}, badge(a.severity), a.rule, " ", el("span", { class: "muted" }, a.what)));
  return td;
}

function jobsTable(jobs) {
  const section = el("section", { "aria-labelledby": "jobs-heading" });
  section.append(el("h2", { id: "jobs-heading" }, jobs.length + " distributed job" + (jobs.length === 1 ? "" : "s")
    + ", " + jobs.filter(j => j.alerting).length + " alerting"));
  const table = el("table", { "aria-labelledby": "jobs-heading", id: "jobs" });
  table.append(el("thead", {}, el("tr", {},
    ...["Job", "Ranks", "State", "Step", "p99 step", "Firing", "Last event"].map(h => el("th", { scope: "col" }, h)))));
  const tbody = el("tbody", {});
  for (const j of jobs) {
    tbody.append(el("tr", { class: j.alerting ? "alerting" : "", "data-job": j.job },
      el("td", {}, jobLink(j.job)),
      el("td", {}, j.ranks + " of " + j.world_size + (j.ended_ranks ? ", " + j.ended_ranks + " ended" : "")),
      el("td", {}, j.state), el("td", {}, j.max_step),
      el("td", {}, j.p99_step_ms === null ? "–" : fmt(j.p99_step_ms) + " ms"),
      firingCell(j.firing), el("td", {}, ago(j.last_event_ms))));
  }
  table.append(tbody);
  section.append(table);
  return section;
}

function setStatus(text, error) {
  const s = document.getElementById("status");
  s.textContent = text;
  s.className = error ? "error" : "";
}

async function getJson(path) {
  const r = await fetch(path, { cache: "no-store" });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.error || ("HTTP " + r.status));
  return body;
}

function fleetView(data, jobData) {
  const runs = data.runs;
  const distributed = new Set(jobData.jobs.map(j => j.job));
  const alerting = runs.filter(r => r.alerting);
  const view = el("div", {});
  view.append(el("h1", {}, "Fleet"));
  const jobs = new Map();
  for (const r of runs) {
    const j = r.job || "(no job)";
    const s = jobs.get(j) || { runs: 0, live: 0, alerting: 0 };
    s.runs++; if (r.state === "live") s.live++; if (r.alerting) s.alerting++;
    jobs.set(j, s);
  }
  const jobList = el("ul", { class: "jobs", "aria-label": "Jobs" });
  for (const [j, s] of [...jobs.entries()].sort((a, b) => b[1].alerting - a[1].alerting)) {
    jobList.append(el("li", { class: "job" }, el("strong", {}, distributed.has(j) ? jobLink(j) : j), " ",
      el("span", { class: "muted" }, s.runs + " runs, " + s.live + " live"), " ",
      s.alerting ? el("span", { class: "badge critical" }, s.alerting + " ALERTING") : null));
  }
  jobList.style.listStyle = "none";
  jobList.style.padding = "0";
  view.append(jobList);
  if (jobData.jobs.length) view.append(jobsTable(jobData.jobs));
  view.append(el("h2", { id: "runs-heading" },
    runs.length + " runs, " + alerting.length + " alerting"));
  const table = el("table", { "aria-labelledby": "runs-heading", id: "runs" });
  table.append(el("thead", {}, el("tr", {},
    ...["Run", "Job", "State", "Step", "Firing", "Last event"].map(h => el("th", { scope: "col" }, h)))));
  const tbody = el("tbody", {});
  for (const r of runs) {
    const firing = el("td", {});
    if (r.firing.length === 0) firing.append(el("span", { class: "muted" }, "–"));
    for (const a of r.firing) firing.append(el("div", {}, badge(a.severity), a.rule));
    tbody.append(el("tr", { class: r.alerting ? "alerting" : "", "data-run": r.run_id },
      el("td", {}, runLink(r.run_id)), el("td", {}, r.job || "–"), el("td", {}, r.state),
      el("td", {}, r.step), firing, el("td", {}, ago(r.last_event_ms))));
  }
  table.append(tbody);
  view.append(table);
  if (runs.length === 0) view.append(el("p", { class: "muted" }, "No runs yet: start a trainer."));
  for (const u of data.unreachable || []) {
    view.append(el("p", { class: "muted" }, "Incomplete: instance " + u));
  }
  return view;
}

function jobView(job) {
  const view = el("div", {});
  view.append(el("p", {}, el("a", { href: "#/" }, "← Fleet")));
  view.append(el("h1", {}, job.job));
  view.append(el("p", { class: "muted" }, "distributed job · " + job.framework + " · attempt " + job.attempt
    + " · " + job.state + " · " + job.ranks + " of " + job.world_size + " ranks"
    + (job.ended_ranks ? " (" + job.ended_ranks + " ended)" : "") + " · step " + job.max_step
    + (job.p99_step_ms === null ? "" : " · p99 step " + fmt(job.p99_step_ms) + " ms")
    + " · last event " + ago(job.last_event_ms)));
  const firing = el("section", { "aria-labelledby": "job-alerts-heading", id: "job-firing" });
  firing.append(el("h2", { id: "job-alerts-heading" },
    job.firing.length ? job.firing.length + " firing" : "Nothing firing"));
  for (const a of job.firing) {
    firing.append(el("article", { class: "alert " + a.severity },
      el("div", {}, badge(a.severity), el("strong", {}, a.rule), el("span", { class: "muted" }, " · " + a.what)),
      a.run_id ? el("p", {}, "Run: ", runLink(a.run_id)) : null));
  }
  view.append(firing);
  view.append(el("h2", { id: "ranks-heading" }, "Ranks"));
  const table = el("table", { "aria-labelledby": "ranks-heading", id: "ranks" });
  table.append(el("thead", {}, el("tr", {},
    ...["Rank", "Run", "Host", "Device", "Step", "State", "Firing", "Last event"].map(h => el("th", { scope: "col" }, h)))));
  const tbody = el("tbody", {});
  for (const r of job.rank_states) {
    const rules = [];
    if (r.straggler_firing) rules.push("straggler_rank");
    if (r.divergence_firing) rules.push("rank_divergence");
    const cell = el("td", {});
    if (rules.length === 0) cell.append(el("span", { class: "muted" }, "–"));
    for (const rule of rules) cell.append(el("div", {}, badge("warning"), rule));
    tbody.append(el("tr", { class: rules.length ? "alerting" : "", "data-rank": r.rank },
      el("td", {}, r.rank), el("td", {}, runLink(r.run_id)), el("td", {}, r.host || "–"),
      el("td", {}, r.device || "–"), el("td", {}, r.last_step), el("td", {}, r.ended ? "ended" : "live"),
      cell, el("td", {}, ago(r.last_event_ms))));
  }
  table.append(tbody);
  view.append(table);
  const groups = job.alert_groups.filter(g => g.phase !== "idle");
  if (groups.length) {
    view.append(el("h2", { id: "groups-heading" }, "Ranks' alerts, grouped into one page per rule"));
    const t = el("table", { "aria-labelledby": "groups-heading" });
    t.append(el("thead", {}, el("tr", {}, ...["Rule", "Phase", "Firing ranks", "Ranks", "First"].map(h => el("th", { scope: "col" }, h)))));
    const tb = el("tbody", {});
    for (const g of groups) {
      tb.append(el("tr", {}, el("td", {}, g.severity ? badge(g.severity) : null, g.rule), el("td", {}, g.phase),
        el("td", {}, g.firing_ranks), el("td", {}, g.ranks.join(", ")),
        el("td", {}, g.first_run_id ? runLink(g.first_run_id) : "–", g.first_host ? " on " + g.first_host : "")));
    }
    t.append(tb);
    view.append(t);
  }
  return view;
}

// A line chart with an optional min/max band and vertical alert markers at their steps.
function chart(title, points, key, band, markers, large) {
  const W = large ? 1100 : 540, H = large ? 300 : 220, L = 64, R = 12, T = 16, B = 28;
  const xs = points.map(p => p.step);
  const vals = [];
  for (const p of points) {
    if (p[key] !== null) vals.push(p[key]);
    if (band) { if (p[band[0]] !== null) vals.push(p[band[0]]); if (p[band[1]] !== null) vals.push(p[band[1]]); }
  }
  for (const m of markers) if (m.loss !== null && key === "loss") vals.push(m.loss);
  const fig = el("figure", {});
  const desc = points.length
    ? title + ": " + points.length + " points from step " + xs[0] + " to " + xs[xs.length - 1]
      + (markers.length ? "; " + markers.length + " alert markers" : "")
    : title + ": no data yet";
  fig.append(el("figcaption", {}, title));
  const s = svg("svg", { viewBox: "0 0 " + W + " " + H, width: "100%", role: "img", "aria-label": desc,
    class: "chart-" + key });
  s.append(svg("title", {}, desc));
  if (!points.length || !vals.length) { fig.append(s); return fig; }
  let x0 = Math.min(...xs), x1 = Math.max(...xs, ...markers.filter(m => m.step !== null).map(m => m.step));
  if (x1 === x0) x1 = x0 + 1;
  // A loss that spans decades (a divergence) on a linear axis hides the whole curve before it.
  const log = Math.min(...vals) > 0 && Math.max(...vals) / Math.min(...vals) > 100;
  const tf = log ? Math.log10 : (v => v), inv = log ? (v => Math.pow(10, v)) : (v => v);
  let y0 = tf(Math.min(...vals)), y1 = tf(Math.max(...vals));
  if (y1 === y0) { y0 -= 1; y1 += 1; }
  const pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad;
  const X = x => L + (x - x0) / (x1 - x0) * (W - L - R);
  const Y = y => T + (1 - (tf(y) - y0) / (y1 - y0)) * (H - T - B);
  s.append(svg("line", { class: "axis", x1: L, y1: H - B, x2: W - R, y2: H - B }));
  s.append(svg("line", { class: "axis", x1: L, y1: T, x2: L, y2: H - B }));
  for (const v of [y0 + pad, (y0 + y1) / 2, y1 - pad].map(inv)) {
    s.append(svg("text", { x: L - 6, y: Y(v) + 4, "text-anchor": "end" }, fmt(v)));
  }
  if (log) s.append(svg("text", { x: L + 6, y: H - B - 6 }, "log scale"));
  s.append(svg("text", { x: L, y: H - 8 }, "step " + x0));
  s.append(svg("text", { x: W - R, y: H - 8, "text-anchor": "end" }, "step " + x1));
  if (band) {
    const top = [], bottom = [];
    for (const p of points) {
      if (p[band[0]] === null || p[band[1]] === null) continue;
      top.push(X(p.step) + "," + Y(p[band[1]]));
      bottom.unshift(X(p.step) + "," + Y(p[band[0]]));
    }
    if (top.length) s.append(svg("polygon", { class: "band", points: top.concat(bottom).join(" ") }));
  }
  let d = "", pen = false;
  for (const p of points) {
    if (p[key] === null) { pen = false; continue; }
    d += (pen ? "L" : "M") + X(p.step).toFixed(1) + "," + Y(p[key]).toFixed(1);
    pen = true;
  }
  if (d) s.append(svg("path", { class: "curve", d: d }));
  let labelled = 0;
  for (const m of markers) {
    if (m.step === null) continue;
    const x = X(m.step), cls = m.status, row = labelled++ % 4;
    s.append(svg("line", { class: "marker " + cls, x1: x, y1: T, x2: x, y2: H - B }));
    const right = x > W * 0.75;
    s.append(svg("text", { class: "marker-label " + cls, x: right ? x - 4 : x + 4, y: T + 10 + row * 14,
      "text-anchor": right ? "end" : "start" }, m.rule + (m.status === "resolved" ? " resolved" : "")));
  }
  fig.append(s);
  return fig;
}

function fmt(v) {
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 1e9) return String(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

function runView(run) {
  const view = el("div", {});
  view.append(el("p", {}, el("a", { href: "#/" }, "← Fleet")));
  view.append(el("h1", {}, run.run_id));
  view.append(el("p", { class: "muted" }, "job " + (run.job || "–") + " · " + run.framework + " · " + run.state
    + " · step " + run.step + " · " + run.batches + " batches · last event " + ago(run.last_event_ms)));
  const alerts = el("section", { "aria-labelledby": "alerts-heading", id: "open-alerts" });
  alerts.append(el("h2", { id: "alerts-heading" },
    run.open_alerts.length ? run.open_alerts.length + " firing" : "Nothing firing"));
  for (const a of run.open_alerts) {
    const ev = el("dl", { class: "evidence", "aria-label": "Evidence" });
    for (const [k, v] of Object.entries(a.evidence || {})) {
      ev.append(el("div", {}, el("dt", {}, k), el("dd", {}, typeof v === "number" ? fmt(v) : JSON.stringify(v))));
    }
    alerts.append(el("article", { class: "alert " + a.severity },
      el("div", {}, badge(a.severity), el("strong", {}, a.rule),
        a.diagnosis ? el("span", { class: "muted" }, " · " + a.diagnosis) : null,
        el("span", { class: "muted" }, " · step " + (a.step === null ? "–" : a.step) + " · since " + a.starts_at)),
      el("p", { class: "summary" }, a.summary),
      el("div", { class: "hint", "aria-label": "Hint" }, a.hint),
      el("h3", {}, "Evidence"), ev));
  }
  const pts = run.history.points;
  view.append(chart("Loss", pts, "loss", null, run.markers, true));
  view.append(alerts);
  view.append(el("h2", {}, "History"));
  view.append(el("p", { class: "muted" }, pts.length + " of at most " + run.history.max_points
    + " points, one every " + run.history.stride + " batches (" + run.history.bytes + " bytes stored)"));
  const charts = el("div", { class: "charts" });
  charts.append(chart("Gradient norm", pts, "grad_norm", null, run.markers));
  charts.append(chart("Input range (min–max)", pts, "input_max", ["input_min", "input_max"], run.markers));
  charts.append(chart("Output range (min–max)", pts, "output_max", ["output_min", "output_max"], run.markers));
  view.append(charts);
  if (run.markers.length) {
    view.append(el("h2", { id: "markers-heading" }, "Alert history"));
    const t = el("table", { "aria-labelledby": "markers-heading" });
    t.append(el("thead", {}, el("tr", {}, ...["Step", "Rule", "Status", "Loss"].map(h => el("th", { scope: "col" }, h)))));
    const tb = el("tbody", {});
    for (const m of run.markers.slice().reverse()) {
      tb.append(el("tr", {}, el("td", {}, m.step === null ? "–" : m.step), el("td", {}, m.rule),
        el("td", {}, m.status), el("td", {}, m.loss === null ? "–" : fmt(m.loss))));
    }
    t.append(tb);
    view.append(t);
  }
  return view;
}

async function render() {
  const hash = location.hash || "#/";
  const main = document.getElementById("view");
  try {
    let view;
    const m = hash.match(/^#\/runs\/(.+)$/);
    const jm = hash.match(/^#\/jobs\/(.+)$/);
    if (jm) {
      const job = await getJson("/api/jobs/" + jm[1]);
      const key = hash + JSON.stringify(job);
      if (key === shown) { setStatus("updated " + new Date().toLocaleTimeString(), false); return; }
      shown = key;
      view = jobView(job);
      document.title = (job.firing.length ? "(" + job.firing.length + ") " : "") + job.job + " · trainwatch";
    } else if (m) {
      const run = await getJson("/api/runs/" + m[1]);
      const key = hash + JSON.stringify(run);
      if (key === shown) { setStatus("updated " + new Date().toLocaleTimeString(), false); return; }
      shown = key;
      view = runView(run);
      document.title = (run.open_alerts.length ? "(" + run.open_alerts.length + ") " : "") + run.run_id + " · trainwatch";
    } else {
      const [data, jobData] = await Promise.all([getJson("/api/runs"), getJson("/api/jobs")]);
      const key = hash + JSON.stringify(data) + JSON.stringify(jobData);
      if (key === shown) { setStatus("updated " + new Date().toLocaleTimeString(), false); return; }
      shown = key;
      view = fleetView(data, jobData);
      const n = data.runs.filter(r => r.alerting).length + jobData.jobs.filter(j => j.alerting).length;
      document.title = (n ? "(" + n + " alerting) " : "") + "trainwatch";
    }
    main.replaceChildren(view);
    setStatus("updated " + new Date().toLocaleTimeString(), false);
  } catch (e) {
    setStatus("cannot load: " + e.message, true);
  }
}

function schedule() {
  clearTimeout(timer);
  render().finally(() => { timer = setTimeout(schedule, POLL_MS); });
}

window.addEventListener("hashchange", () => { schedule(); document.getElementById("view").focus(); });
schedule();
