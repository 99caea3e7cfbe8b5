// The dashboard: sliders -> POST /api/v1/simulate -> fan chart; share links restore the sliders.
// The slow findings and the estimated counterfactual are computed by the server in the background:
// the page asks /api/v1/findings until they are ready and never waits on a fit.
"use strict";

const FIELDS = ["quota", "ramp", "challenge", "prevent", "deterrence"];
const fmt = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 0 });
const fig = (x) => (Math.abs(x) >= 100 ? fmt.format(x) : String(Number(x.toPrecision(4))));
// what every what-if asks for (scenario, runs, seed, years): written into the page by the server
const RUN = JSON.parse(document.getElementById("whatif").dataset.run);
let pending = null;
let seq = 0;

function state() {
  const s = {};
  for (const f of FIELDS) s[f] = document.getElementById(f).value;
  return s;
}

// A share link's value is used only if the control allows it; otherwise the user is told which
// value was refused and what is shown instead (never silently changed).
function allowed(el, text) {
  if (el.tagName === "SELECT") return [...el.options].some((o) => o.value === text);
  const x = Number(text);
  if (text.trim() === "" || !Number.isFinite(x)) return false;
  const lo = Number(el.min), hi = Number(el.max), step = Number(el.step);
  if (x < lo || x > hi) return false;
  const k = (x - lo) / step;
  return Math.abs(k - Math.round(k)) < 1e-9;
}

function describe(el) {
  if (el.tagName === "SELECT") return "one of " + [...el.options].map((o) => o.value).join(", ");
  return `a number from ${el.min} to ${el.max} in steps of ${el.step}`;
}

function restore() {
  const params = new URLSearchParams(window.location.search);
  const refused = [];
  for (const f of FIELDS) {
    if (!params.has(f)) continue;
    const el = document.getElementById(f);
    const text = params.get(f);
    if (allowed(el, text)) el.value = text;
    else refused.push(`${f}=${text} is not ${describe(el)}; showing ${el.value} instead`);
  }
  document.getElementById("notice").textContent = refused.length ? "Share link: " + refused.join("; ") + "." : "";
}

function whatIf(s) {
  const w = {
    quota_per_week: Number(s.quota),
    p_challenge: Number(s.challenge),
    p_prevent: Number(s.prevent),
    deterrence: s.deterrence,
  };
  if (Number(s.ramp) > 0) w.ramp_to_per_week = Number(s.ramp);
  return w;
}

function query(s) {
  const w = whatIf(s);
  const p = new URLSearchParams(Object.fromEntries(Object.entries(RUN).map(([k, v]) => [k, String(v)])));
  for (const [k, v] of Object.entries(w)) p.set(k, String(v));
  return p.toString();
}

function labels(s) {
  document.getElementById("quota-out").textContent = s.quota;
  document.getElementById("ramp-out").textContent = Number(s.ramp) > 0 ? s.ramp : "no ramp";
  document.getElementById("challenge-out").textContent = Number(s.challenge).toFixed(2);
  document.getElementById("prevent-out").textContent = Number(s.prevent).toFixed(2);
  const here = window.location.pathname + "?" + new URLSearchParams(s).toString();
  document.getElementById("share").href = here;
  const q = query(s);
  document.getElementById("download-csv").href = "/api/v1/charts/fan.csv?" + q;
  document.getElementById("download-png").href = "/api/v1/charts/fan.png?" + q;
  document.getElementById("download-svg").href = "/api/v1/charts/fan.svg?" + q;
}

function fanSpec(res) {
  const rows = [];
  for (const [arm, name] of [["scenario", "With the scheme"], ["no_scheme", "No scheme"]]) {
    for (const r of res.weekly[arm] || []) rows.push({ ...r, arm: name });
  }
  const observed = (res.observed || []).map((r) => ({ ...r, arm: "Observed" }));
  const x = { field: "period_start", type: "temporal", title: null };
  const colour = { field: "arm", type: "nominal", title: null,
    scale: { domain: ["With the scheme", "No scheme", "Observed"], range: ["#D55E00", "#0072B2", "#000000"] } };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    width: Math.max(300, document.getElementById("fan").clientWidth - 140), height: 280,
    layer: [
      { data: { values: rows }, mark: { type: "area", opacity: 0.12 }, encoding: { x, y: { field: "p025", type: "quantitative" }, y2: { field: "p975" }, color: colour } },
      { data: { values: rows }, mark: { type: "area", opacity: 0.18 }, encoding: { x, y: { field: "p10", type: "quantitative" }, y2: { field: "p90" }, color: colour } },
      { data: { values: rows }, mark: { type: "area", opacity: 0.28 }, encoding: { x, y: { field: "p25", type: "quantitative" }, y2: { field: "p75" }, color: colour } },
      { data: { values: rows }, mark: { type: "line", strokeWidth: 2 }, encoding: { x, y: { field: "median", type: "quantitative", title: "People arriving a week" }, color: colour } },
      { data: { values: observed }, mark: { type: "line", strokeWidth: 1.5, point: { size: 12 } }, encoding: { x, y: { field: "people", type: "quantitative" }, color: colour } },
    ],
  };
}


document.getElementById("whatif").addEventListener("submit", (e) => e.preventDefault());

async function update() {
  const s = state();
  labels(s);
  const mine = ++seq;
  document.getElementById("status").textContent = "Simulating…";
  const started = performance.now();
  const resp = await fetch("/api/v1/simulate", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ ...RUN, what_if: whatIf(s) }),
  });
  if (mine !== seq) return; // a newer request superseded this one
  const res = await resp.json();
  const wait = Number(resp.headers.get("Retry-After"));
  if (resp.status === 503 && wait > 0) {
    // the server is busy or still fitting the no-scheme world to the newest data: it says when to ask again
    document.getElementById("status").textContent =
      `The server is busy (${res.detail}); asking again in ${wait} s…`;
    document.getElementById("fan").replaceChildren();
    clearTimeout(pending);
    pending = setTimeout(update, wait * 1000);
    return;
  }
  if (!resp.ok) {
    // never leave the previous result on screen beside an error
    document.getElementById("status").textContent = "Error: " + res.detail;
    document.getElementById("effect").textContent = "No result for these settings: " + res.detail;
    document.getElementById("fan").replaceChildren();
    return;
  }
  const arr = res.years.find((y) => y.variable === "arrivals" && y.year === 1);
  const ret = res.years.find((y) => y.variable === "returned" && y.year === 1);
  const e = arr.effect;
  const word = e.median <= 0 ? "fewer" : "more";
  const fan = document.getElementById("fan");
  fan.dataset.median = String(arr.median);
  fan.dataset.effect = String(e.median);
  document.getElementById("effect").textContent =
    `First year: ${fmt.format(Math.abs(e.median))} ${word} arrivals than without the scheme (90% of runs: ` +
    `${fmt.format(e.p05)} to ${fmt.format(e.p95)}); ${fmt.format(ret.median)} people returned, with ` +
    `${fmt.format(res.detention_places)} detention places.`;
  await vegaEmbed("#fan", fanSpec(res), { renderer: "svg", actions: false });
  fan.dataset.rendered = String(mine);
  document.getElementById("status").textContent =
    `${res.runs} runs, seed ${res.seed}, data ${res.data_release}; ${Math.round(performance.now() - started)} ms`;
}

function schedule() {
  clearTimeout(pending);
  pending = setTimeout(update, 150);
}

async function latestChanges() {
  const el = document.getElementById("changes");
  const resp = await fetch("/api/v1/changes");
  const c = await resp.json();
  if (!resp.ok) { el.textContent = c.detail; return; }
  const days = c.added.filter((r) => r.series === "sb_people");
  const span = days.length ? ` (${days[0].period_start} to ${days[days.length - 1].period_end})` : "";
  el.replaceChildren();
  const p = document.createElement("p");
  p.textContent = `Release ${c.new_release} against ${c.old_release}: ${fmt.format(c.days_added)} days added${span}, ` +
    `${fmt.format(c.figures_revised)} figures revised.`;
  el.append(p);
  if (c.revised.length) {
    const t = document.createElement("table");
    t.innerHTML = "<thead><tr><th>Series</th><th>Day</th><th>Before</th><th>After</th></tr></thead>";
    const body = document.createElement("tbody");
    for (const r of c.revised.slice(0, 20)) {
      const tr = document.createElement("tr");
      for (const v of [r.series, r.period_end, fmt.format(r.old_value), fmt.format(r.new_value)]) {
        const td = document.createElement("td"); td.textContent = v; tr.append(td);
      }
      body.append(tr);
    }
    t.append(body);
    el.append(t);
  }
  el.dataset.rendered = "1";
}

async function officialCharts() {
  for (const el of document.querySelectorAll(".official-chart")) {
    const spec = await (await fetch(`/api/v1/charts/${el.dataset.chart}.vl.json`)).json();
    await vegaEmbed(el, spec, { renderer: "svg", actions: false });
    el.dataset.rendered = "1";
  }
}

async function claims() {
  const rows = await (await fetch("/api/v1/claims")).json();
  const body = document.querySelector("#claims tbody");
  const label = { "holds": "Holds", "does-not-hold": "Does not hold", "cannot-check": "Cannot check" };
  for (const r of rows) {
    const tr = document.createElement("tr");
    const cells = [r.id, r.claim, fig(r.stated), r.computed === null ? "–" : fig(r.computed), label[r.verdict], r.reason];
    cells.forEach((c, i) => {
      const td = document.createElement("td");
      td.textContent = c;
      if (i === 4) td.className = r.verdict;
      tr.appendChild(td);
    });
    body.appendChild(tr);
  }
}

function showFinding(f) {
  const el = document.getElementById("finding-" + f.id);
  if (!el || el.dataset.status === "ready") return;
  el.dataset.status = f.status;
  if (f.status !== "ready") {
    el.querySelector(".headline").textContent = f.detail;
    return;
  }
  el.querySelector(".headline").textContent = f.headline;
  el.querySelector("p .small").textContent = `${f.brief_source}, ${f.dated}.`;
  el.querySelector(".text").textContent = `${f.text} ${f.source}.`;
  el.querySelector("details").hidden = false;
}

function counterfactualNotice(text, status) {
  const el = document.getElementById("counterfactual");
  el.dataset.status = status;
  document.getElementById("counterfactual-status").textContent = text;
}

let fanAsked = false;
async function counterfactual() {
  if (fanAsked) return;
  fanAsked = true;
  const resp = await fetch("/api/v1/charts/estimated_counterfactual.vl.json");
  const spec = await resp.json();
  if (!resp.ok) {
    counterfactualNotice("Could not draw the estimated counterfactual: " + spec.detail, "failed");
    return;
  }
  const el = document.getElementById("counterfactual");
  if (typeof spec.width === "number") spec.width = Math.min(spec.width, Math.max(260, el.clientWidth - 90));
  await vegaEmbed(el, spec, { renderer: "svg", actions: false });
  const title = typeof spec.title === "object" ? spec.title.text : String(spec.title || "");
  el.setAttribute("aria-label", title);
  document.getElementById("counterfactual-summary").textContent = title + ".";
  el.dataset.status = "ready";
  el.dataset.rendered = "1";
}

async function findings() {
  const resp = await fetch("/api/v1/findings");
  const res = await resp.json();
  if (!resp.ok) {
    for (const id of ["effect", "could", "cannot_tell"]) showFinding({ id, status: "failed", detail: res.detail });
    counterfactualNotice(res.detail, "failed");
    return;
  }
  for (const f of res.findings) showFinding(f);
  const effect = res.findings.find((f) => f.id === "effect");
  if (effect.status === "ready") counterfactual();
  else if (effect.status === "failed") counterfactualNotice(effect.detail, "failed");
  if (res.complete) document.getElementById("findings").dataset.complete = "1";
  else setTimeout(findings, res.retry_after * 1000);
}

restore();
for (const f of FIELDS) {
  document.getElementById(f).addEventListener("input", schedule);
  document.getElementById(f).addEventListener("change", schedule);
}
update();
officialCharts();
claims();
latestChanges();
findings();
