// The dashboard: calculators, scenario upload, plan runs with progress, results with charts. No framework,
// no CDN: plotly is served by the casashore server itself.
"use strict";
const LANG = document.documentElement.lang === "fr" ? "fr" : "en";
const T = {
  en: { subtitle: "Plan an offshore contact centre: from the cable to the seat.", calc_title: "Erlang calculator",
        calls: "Calls", interval: "Interval (min)", aht: "AHT (s)", target: "Target (s)", sl: "Service level (%)",
        shrinkage: "Shrinkage (%)", calculate: "Calculate", agents: "Agents", scenario_title: "Scenarios",
        name: "Name", upload: "Upload", plan_title: "Plan", run: "Run the plan", uploaded: "Uploaded",
        done: "done", service_level: "service level", asa: "ASA", occupancy: "occupancy", report: "Full report",
        with_shrinkage: "{n} agents paid, with shrinkage",
        seats: "Seats at peak", lines: "Phone lines", fte: "FTE", link: "Share of the link", queue: "Queue",
        scenario_form: "Write a scenario with forms (site, queues, shift patterns, rules)",
        growth_page: "Compare park growth scenarios month by month (hiring, seats, margins)",
        intraday_page: "Intraday: the rest of the day re-planned (gap per interval, service level, proposals)",
        channel: "Channel", voice: "voice", chat: "chat", email: "email",
        max_sessions: "Sessions an agent holds (1–10)", concurrency: "Concurrency (0–1)",
        deadline: "Deadline (h)", open: "Open (min of the interval)", open_all: "all of it",
        within_deadline: "within the deadline", backlog: "largest backlog {n} items",
        sessions_per_agent: "{n} sessions per agent", holding_chat: "agents holding a chat",
        slot_use: "slot use {n} (sessions / agents × max)" },
  fr: { subtitle: "Planifier un centre de contacts offshore : du câble au poste.", calc_title: "Calculateur Erlang",
        calls: "Appels", interval: "Intervalle (min)", aht: "DMT (s)", target: "Seuil (s)", sl: "Niveau de service (%)",
        shrinkage: "Indisponibilité (%)", calculate: "Calculer", agents: "Agents", scenario_title: "Scénarios",
        name: "Nom", upload: "Téléverser", plan_title: "Plan", run: "Lancer le plan", uploaded: "Téléversé",
        done: "terminé", service_level: "niveau de service", asa: "délai moyen", occupancy: "occupation",
        report: "Rapport complet", with_shrinkage: "{n} agents payés, avec l'indisponibilité",
        seats: "Positions à la pointe", lines: "Lignes téléphoniques", fte: "ETP",
        link: "Part du lien", queue: "File",
        scenario_form: "Écrire un scénario en formulaires (site, files, modèles de vacations, règles)",
        growth_page: "Comparer des scénarios de croissance du parc mois par mois (recrutements, positions, marges)",
        intraday_page: "Intraday : le reste de la journée replanifié (écart par intervalle, niveau de service, propositions)",
        channel: "Canal", voice: "voix", chat: "chat", email: "e-mail",
        max_sessions: "Sessions tenues par agent (1–10)", concurrency: "Concurrence (0–1)",
        deadline: "Délai (h)", open: "Ouverture (min de l'intervalle)", open_all: "tout",
        within_deadline: "dans le délai", backlog: "stock maximal {n} éléments",
        sessions_per_agent: "{n} sessions par agent", holding_chat: "agents tenant un chat",
        slot_use: "places occupées {n} (sessions / agents × max)" },
}[LANG];
const fmt = (x, digits = 0) => new Intl.NumberFormat(LANG === "fr" ? "fr-FR" : "en-GB",
  { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(x);
const pct = (x, digits = 1) => fmt(100 * x, digits) + (LANG === "fr" ? "\u00a0%" : " %");
document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = T[el.dataset.t] || el.dataset.t; });
document.querySelectorAll("[data-t-placeholder]").forEach((el) => { el.placeholder = T[el.dataset.tPlaceholder]; });
const $ = (id) => document.getElementById(id);

// The calculator's fields for the channel chosen: the others hidden, and never sent (the API refuses them).
function showChannel() {
  const channel = $("channel").value;
  for (const el of document.querySelectorAll("#calculator [data-for]")) {
    el.hidden = !el.dataset.for.split(" ").includes(channel);
  }
}
$("channel").addEventListener("change", () => {
  showChannel();
  $("agents").textContent = "—"; $("calc-detail").textContent = ""; $("calc-error").textContent = "";
});
showChannel();

function staffRequest() {
  const channel = $("channel").value;
  const body = { channel, calls: +$("calls").value, interval_min: +$("interval").value, aht_s: +$("aht").value,
                 service_level: +$("sl").value / 100, shrinkage: +$("shrinkage").value / 100 };
  if (channel !== "email") body.target_s = +$("target").value;
  if (channel === "chat") { body.max_sessions = +$("max-sessions").value; body.concurrency = +$("concurrency").value; }
  if (channel === "email") {
    body.deadline_s = Math.round(+$("deadline").value * 3600);
    if ($("open").value.trim() !== "") body.open_min = +$("open").value;
  }
  return body;
}

function staffDetail(r) {  // what each channel's answer means, in words
  const paid = T.with_shrinkage.replace("{n}", fmt(r.agents_with_shrinkage));
  if (r.model === "email_backlog") {
    return ` (${pct(r.service_level)} ${T.within_deadline}, ${T.backlog.replace("{n}", fmt(r.backlog_max))}, ` +
      `${T.occupancy} ${pct(r.occupancy)}; ${paid})`;
  }
  // Chat: an agent holding any chat is busy (occupancy); the slots in use say how full the agents are.
  const chat = r.model === "chat";
  const sessions = chat ? `, ${T.slot_use.replace("{n}", pct(r.slot_use))}, ` +
    `${T.sessions_per_agent.replace("{n}", fmt(r.sessions_per_agent, 2))}` : "";
  return ` (${T.service_level} ${pct(r.service_level)}, ${T.asa} ${fmt(r.asa, 1)} s, ` +
    `${chat ? T.holding_chat : T.occupancy} ${pct(r.occupancy)}${sessions}; ${paid})`;
}

$("calc").addEventListener("click", async () => {
  $("calc-error").textContent = "";
  try {
    const r = await call("POST", "/api/staff", staffRequest());
    $("agents").textContent = String(r.agents);
    $("calc-detail").textContent = staffDetail(r);
  } catch (e) { $("calc-error").textContent = e.message; }
});

$("scenario-file").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  $("scenario-name").value = file.name;
  $("scenario-text").value = await file.text();
});

async function refreshScenarios(selected) {
  const list = await call("GET", "/api/scenarios");
  $("scenario-list").innerHTML = "";
  for (const s of list) {
    const option = document.createElement("option");
    option.value = s.id; option.textContent = `${s.name} (${s.id})`;
    if (s.id === selected) option.selected = true;
    $("scenario-list").appendChild(option);
  }
}

$("upload").addEventListener("click", async () => {
  $("upload-error").textContent = ""; $("upload-result").textContent = "";
  try {
    const r = await call("POST", "/api/scenarios", { name: $("scenario-name").value, toml: $("scenario-text").value });
    $("upload-result").textContent = `${T.uploaded}: ${r.name} — ${r.site} (${r.id})`;
    await refreshScenarios(r.id);
  } catch (e) { $("upload-error").textContent = e.message; }
});

function showPlan(state) {
  const s = state.summary;
  const rows = [[T.seats, `${fmt(s.sizing.seats_at_peak)} / ${fmt(s.sizing.seats_available)}`],
                [T.fte, fmt(s.sizing.fte, 1)], [T.lines, fmt(s.sizing.phone_lines)],
                [T.link, pct(s.sizing.link_share, 3)]];
  for (const q of s.queues) rows.push([`${T.queue} ${q.queue}`, `${T.service_level} ${pct(q.service_level)} ± ` +
    `${pct(q.service_level_ci95)}`]);
  const table = document.createElement("table");
  table.id = "plan-table";
  for (const [k, v] of rows) {
    const tr = table.insertRow(); tr.insertCell().textContent = k; tr.insertCell().textContent = v;
  }
  $("plan-summary").replaceChildren(table);
  const link = document.createElement("a");
  link.href = `/api/plans/${state.id}/report`; link.textContent = T.report; link.target = "_blank";
  $("plan-summary").appendChild(link);
  $("plan-charts").innerHTML = "";
  for (const { title, figure } of state.figures) {
    const heading = document.createElement("h3"); heading.textContent = title;
    const div = document.createElement("div"); div.className = "chart";
    $("plan-charts").append(heading, div);
    Plotly.newPlot(div, figure.data, { ...figure.layout, height: 340, separators: LANG === "fr" ? ", " : ".," },
                   { displaylogo: false, responsive: true });
  }
}

$("run").addEventListener("click", async () => {
  $("plan-error").textContent = ""; $("plan-progress").value = 0;
  try {
    const { id } = await call("POST", "/api/plans", { scenario_id: $("scenario-list").value, lang: LANG });
    document.dispatchEvent(new CustomEvent("plan-started", { detail: { id } }));  // plans.js follows it too
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const state = await call("GET", `/api/plans/${id}`);
      $("plan-progress").value = state.steps_done; $("plan-step").textContent = [state.step, state.detail].filter(Boolean).join(" — ");
      if (state.status === "failed" || state.status === "cancelled") { $("plan-error").textContent = state.error; return; }
      if (state.status === "done") { $("plan-step").textContent = T.done; showPlan(state); return; }
    }
  } catch (e) { $("plan-error").textContent = e.message; }
});

refreshScenarios();
