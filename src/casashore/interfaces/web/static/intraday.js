// The /intraday page: the rest of the day re-planned at an as-of time (GET /api/intraday/replan, the keys of
// `casashore intraday replan --json`; docs/intraday.md): the gap per queue and interval as a chart and a table, the
// service level if nothing changes (Erlang's and simulated with its 95 % half-width) and the ranked proposals.
// Every name (queue, agent, break) is set as text (textContent) and given to plotly with its pseudo-HTML escaped.
"use strict";
(() => {
  const LANG = PAGE_LANG;  // api.js
  const WORDS = {
    en: { back: "← dashboard", title: "Intraday: the rest of the day re-planned",
      subtitle: "The rest of the day at the as-of time, from the intraday reforecast and the roster the router follows: where the queues are short, the service level if nothing changes, and the roster changes that help most (docs/intraday.md).",
      as_of: "As of (the site's clock)", zone: "Site's time zone", target: "Answer within (s)",
      sl: "Service level goal (%)", replications: "Simulated days", replan: "Re-plan",
      running: "running… (the reforecast, Erlang per interval and the simulation)", done: "done", failed: "failed",
      gap_title: "Gap per queue and interval (agents short: required − scheduled)",
      proposals_title: "Proposals, best first", no_proposals: "No change to propose.",
      no_shortfall: "No change to propose: every interval meets its goal, and no agent can leave early without one falling below it.",
      no_change_allowed: "No change to propose: short of agents, but the labour rules allow no change to any shift at work.",
      no_single_change_helps: "No single change lifts a short interval's service level: the day lacks up to {peak} agents at once ({hours} agent-hours in all). Bring in more agents, then ask again.",
      summary: "{queues} queue(s), {agents} agent(s) on the roster, absent: {absent}; calls below goal over the rest of the day: {below} ({zone}, {reps} simulated days, seed {seed}).",
      skipped: "Not re-planned: {queues}.", skip_no_history: "{queue} (no call history before the day)",
      skip_short_history: "{queue} (less than a week of history)",
      skip_records_stop: "{queue} (its records stop more than a day before)",
      none: "none", queue: "Queue", start: "Start", calls: "Calls", aht: "AHT (s)", required: "Required",
      scheduled: "Scheduled", gap: "Gap", sl_formula: "Service level (Erlang)", sl_simulated: "Service level (simulated, 95 %)",
      goal: "Goal", rank: "#", kind: "Kind", agent: "Agent", change: "Change", paid: "Paid min",
      removed: "Calls below goal removed", effect: "Service level (Erlang)", effect_sim: "Service level (simulated, 95 %)",
      move_break: "move a break", overtime: "overtime", voluntary_time_off: "voluntary time off",
      move_queue: "move between queues",
      c_break: "{kind} {from} → {to}", c_overtime: "shift {before} → {after}", c_vto: "leaves at {to} instead of {from}",
      c_queue: "serves {queue} from {from} to {to}" },
    fr: { back: "← tableau de bord", title: "Intraday : le reste de la journée replanifié",
      subtitle: "Le reste de la journée à l'heure choisie, d'après la prévision intrajournalière et le planning que suit le routeur : où les files manquent d'agents, le niveau de service si rien ne change, et les changements de planning les plus utiles (docs/intraday.md).",
      as_of: "À (heure du site)", zone: "Fuseau horaire du site", target: "Répondre en (s)",
      sl: "Objectif de niveau de service (%)", replications: "Journées simulées", replan: "Replanifier",
      running: "calcul en cours… (la prévision, Erlang par intervalle et la simulation)", done: "terminé",
      failed: "échec",
      gap_title: "Écart par file et par intervalle (agents manquants : nécessaires − planifiés)",
      proposals_title: "Propositions, la meilleure d'abord", no_proposals: "Aucun changement à proposer.",
      no_shortfall: "Aucun changement à proposer : chaque intervalle atteint son objectif, et aucun agent ne peut partir plus tôt sans qu'un intervalle passe en dessous.",
      no_change_allowed: "Aucun changement à proposer : il manque des agents, mais les règles du travail n'autorisent aucun changement des services en cours.",
      no_single_change_helps: "Aucun changement seul ne relève le niveau de service d'un intervalle en manque : il manque jusqu'à {peak} agents à la fois ({hours} heures-agent en tout). Faites venir des agents, puis redemandez.",
      summary: "{queues} file(s), {agents} agent(s) au planning, absents : {absent} ; appels sous l'objectif sur le reste de la journée : {below} ({zone}, {reps} journées simulées, graine {seed}).",
      skipped: "Non replanifiées : {queues}.", skip_no_history: "{queue} (pas d'historique d'appels avant ce jour)",
      skip_short_history: "{queue} (moins d'une semaine d'historique)",
      skip_records_stop: "{queue} (ses enregistrements s'arrêtent plus d'un jour avant)",
      none: "aucun", queue: "File", start: "Début", calls: "Appels", aht: "DMT (s)", required: "Nécessaires",
      scheduled: "Planifiés", gap: "Écart", sl_formula: "Niveau de service (Erlang)",
      sl_simulated: "Niveau de service (simulé, 95 %)", goal: "Objectif", rank: "#", kind: "Type",
      agent: "Agent", change: "Changement", paid: "Min payées", removed: "Appels sous l'objectif évités",
      effect: "Niveau de service (Erlang)", effect_sim: "Niveau de service (simulé, 95 %)",
      move_break: "déplacer une pause", overtime: "heures supplémentaires", voluntary_time_off: "départ anticipé volontaire",
      move_queue: "changer de file",
      c_break: "{kind} {from} → {to}", c_overtime: "service {before} → {after}",
      c_vto: "part à {to} au lieu de {from}", c_queue: "sert {queue} de {from} à {to}" },
  }[LANG];
  const $ = byId, fill = fillIn, plain = plainText, number = localNumber;  // api.js
  const PERCENT = LANG === "fr" ? "\u00a0%" : " %";
  const share = (value) => value === null || value === undefined ? "—" : number(100 * value, 1) + PERCENT;
  const withCi = (value, ci) => value === null || value === undefined ? "—"
    : share(value) + (ci === null || ci === undefined ? "" : " ± " + number(100 * ci, 1));
  const signed = (value, digits) => (value > 0 ? "+" : "") + number(value, digits);
  const clock = (iso) => iso.slice(11, 16);  // the site's clock: the API writes every time with its offset

  for (const el of document.querySelectorAll("[data-t]")) el.textContent = WORDS[el.dataset.t];

  // Now on the site's clock, to the minute (the default as-of time); the zone is the one sent to the API.
  function nowIn(zone) {
    const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
      hourCycle: "h23" }).formatToParts(new Date()).map((p) => [p.type, p.value]));
    return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
  }
  try { $("as-of").value = nowIn($("zone").value); } catch { /* an unknown zone: the planner types the time */ }

  function table(element, headers, rows) {
    // rows: arrays of cells, each text or [text, class].
    element.replaceChildren();
    const head = element.createTHead().insertRow();
    for (const h of headers) { const th = document.createElement("th"); th.textContent = h; head.append(th); }
    const body = element.createTBody();
    for (const row of rows) {
      const tr = body.insertRow();
      for (const cell of row) {
        const [text, css] = Array.isArray(cell) ? cell : [cell, ""];
        const td = tr.insertCell();
        td.textContent = text;
        if (css) td.className = css;
      }
    }
  }

  function change(p) {
    const before = p.shift_before, after = p.shift_after;
    const span = (s) => `${clock(s.start)}–${clock(s.end)}`;
    if (p.kind === "move_break") {
      const key = (b) => b.kind + b.start;
      const old = before.breaks.find((b) => !after.breaks.some((a) => key(a) === key(b)));
      const moved = after.breaks.find((a) => !before.breaks.some((b) => key(a) === key(b)));
      return fill(WORDS.c_break, { kind: old.kind, from: clock(old.start), to: clock(moved.start) });
    }
    if (p.kind === "overtime") return fill(WORDS.c_overtime, { before: span(before), after: span(after) });
    if (p.kind === "voluntary_time_off") return fill(WORDS.c_vto, { from: clock(before.end), to: clock(after.end) });
    const move = after.moves[0];
    return fill(WORDS.c_queue, { queue: move.queue, from: clock(move.start), to: clock(move.end) });
  }

  function draw(doc) {
    $("summary").textContent = fill(WORDS.summary, {
      queues: doc.queues.length, agents: doc.agents, absent: doc.absent.length ? doc.absent.join(", ") : WORDS.none,
      below: number(doc.calls_below_goal, 1), zone: doc.site_zone, reps: doc.replications, seed: doc.seed });
    // the queues the reforecast left out (no history before the day, ...): the others are re-planned without them
    $("skipped").textContent = fill(WORDS.skipped, { queues: doc.skipped.map(
      (q) => fill(WORDS[`skip_${q.reason}`] || "{queue}", { queue: q.queue })).join(", ") });
    $("skipped").hidden = doc.skipped.length === 0;
    table($("intervals"), [WORDS.queue, WORDS.start, WORDS.calls, WORDS.aht, WORDS.required, WORDS.scheduled, WORDS.gap,
                           WORDS.sl_formula, WORDS.sl_simulated, WORDS.goal],
          doc.intervals.map((r) => [r.queue, clock(r.start), [number(r.calls, 1), "num"], [number(r.aht_s, 0), "num"],
                                    [number(r.required, 0), "num"], [number(r.scheduled, 2), "num"],
                                    [signed(r.gap, 2), r.gap > 0 ? "num short" : "num"],
                                    [share(r.service_level), r.service_level < r.goal ? "num below" : "num"],
                                    [withCi(r.simulated_service_level, r.simulated_service_level_ci95), "num"],
                                    [share(r.goal), "num"]]));
    const traces = doc.queues.map((queue) => {
      const rows = doc.intervals.filter((r) => r.queue === queue);
      return { type: "bar", name: plain(queue), x: rows.map((r) => clock(r.start)), y: rows.map((r) => r.gap) };
    });
    Plotly.newPlot("gap-chart", traces, { barmode: "group", margin: { t: 10 }, yaxis: { title: WORDS.gap },
                                          xaxis: { type: "category" } }, { displayModeBar: false });
    $("no-proposals").hidden = doc.proposals.length > 0;
    // why nothing is proposed, and the agents the day lacks (the answer's no_proposal)
    $("no-proposals").textContent = doc.no_proposal === null ? WORDS.no_proposals
      : fill(WORDS[doc.no_proposal.reason], { peak: doc.no_proposal.agents_short_peak,
                                              hours: number(doc.no_proposal.agent_hours_short, 1) });
    $("proposals").hidden = doc.proposals.length === 0;
    table($("proposals"), [WORDS.rank, WORDS.kind, WORDS.agent, WORDS.change, WORDS.paid, WORDS.removed, WORDS.effect,
                           WORDS.effect_sim],
          doc.proposals.map((p) => [
            [String(p.rank), "num"], WORDS[p.kind] || p.kind, p.agent, change(p), [signed(p.paid_min, 0), "num"],
            [number(p.calls_below_goal_removed, 1), "num"],
            `${share(p.service_level_before)} → ${share(p.service_level_after)}`,
            p.simulated ? `${withCi(p.simulated.service_level_before, p.simulated.service_level_before_ci95)} → `
              + withCi(p.simulated.service_level_after, p.simulated.service_level_after_ci95) : "—"]));
    $("results").hidden = false;
  }

  $("replan").addEventListener("click", async () => {
    $("error").textContent = "";
    $("status").textContent = WORDS.running;
    $("replan").disabled = true;
    const query = new URLSearchParams({ as_of: $("as-of").value, site_zone: $("zone").value,
                                        target: `${$("target").value}s`, service_level: `${$("sl").value}%`,
                                        replications: $("replications").value });
    try {
      draw(await call("GET", "/api/intraday/replan?" + query));
      $("status").textContent = WORDS.done;
    } catch (error) {
      $("status").textContent = WORDS.failed;
      $("error").textContent = error.message;  // the API's message names the field; set as text
    } finally {
      $("replan").disabled = false;
    }
  });
})();
