// The /growth page: park scenarios pasted or uploaded (TOML), compared by POST /api/growth (the keys of
// `casashore growth --json`), drawn as the growth report draws them (report/growth_report.py): totals, charts month
// by month with every scenario overlaid, the differences against the first, each scenario's hiring, contracts and
// phases. Every name from a scenario is set as text (textContent), and given to plotly with its pseudo-HTML escaped.
"use strict";
(() => {
  const LANG = PAGE_LANG;  // api.js
  const MAX_PARKS = 4;  // the API's MAX_SCENARIOS
  const MAX_BODY = Number(document.querySelector("meta[name=casashore-max-body-bytes]").content);
  const WORDS = {
    en: { back: "← dashboard", title: "Growth: park scenarios side by side",
      subtitle: "Paste or upload two park scenarios (TOML, as examples/park.toml; docs/growth.md) and compare them month by month: headcount, hires, FTE, seats, margins. Differences are against the first.",
      add: "Add a scenario", compare: "Compare", name: "Name", file: "TOML file", placeholder: "[park]\nname = \"…\"\nstart = \"2027-01\"\n…",
      running: "running… (a hiring plan per operator and language)", done: "done", failed: "failed",
      too_big: "{file}: {size} bytes; at most {max}", no_text: "scenario {n}: paste or upload its TOML",
      differences: "Differences month by month", figure: "Figure", month: "Month", totals: "Over the horizon",
      minus: "{name} − {first}",
      c_headcount: "Headcount", c_hires: "Hires per month", c_fte: "Productive FTE (solid) vs FTE needed (dotted)",
      c_short: "FTE short", c_seats: "Seats needed (solid) vs seats of the open phases (dotted)",
      c_margin: "Margin per client ({currency})", c_service: "Service level (park)",
      needed: "needed", productive: "productive", open: "open",
      headcount: "Headcount", hires: "Hires", required_fte: "FTE needed", productive_fte: "Productive FTE",
      short_fte: "FTE short", labour_cost: "Labour cost", revenue: "Revenue", margin: "Margin",
      service_level: "Service level", seats_needed: "Seats needed", seats_open: "Seats open",
      short_fte_total: "FTE-months short",
      hiring: "{name}: hiring plans", operator: "Operator", language: "Language", classes: "Classes",
      months_short: "Months short", contracts: "{name}: contracts over the horizon", client: "Client",
      penalty: "Penalty",
      below: "Months below the term", phases: "{name}: buildings' phases", building: "Building", phase: "Phase",
      seats: "Seats", opens: "Opens", needed_by: "Needed by", late: "LATE: must open earlier", none: "none" },
    fr: { back: "← tableau de bord", title: "Croissance : scénarios du parc côte à côte",
      subtitle: "Collez ou chargez deux scénarios de parc (TOML, comme examples/park.toml ; docs/growth.md) et comparez-les mois par mois : effectifs, recrutements, ETP, positions, marges. Les écarts se lisent par rapport au premier.",
      add: "Ajouter un scénario", compare: "Comparer", name: "Nom", file: "Fichier TOML", placeholder: "[park]\nname = \"…\"\nstart = \"2027-01\"\n…",
      running: "calcul en cours… (un plan de recrutement par opérateur et par langue)", done: "terminé",
      failed: "échec", too_big: "{file} : {size} octets ; au plus {max}",
      no_text: "scénario {n} : collez ou chargez son TOML",
      differences: "Écarts mois par mois", figure: "Indicateur", month: "Mois", totals: "Sur l'horizon",
      minus: "{name} − {first}",
      c_headcount: "Effectif", c_hires: "Recrutements par mois",
      c_fte: "ETP productifs (trait plein) et ETP nécessaires (pointillés)", c_short: "ETP manquants",
      c_seats: "Positions nécessaires (trait plein) et positions des tranches ouvertes (pointillés)",
      c_margin: "Marge par client ({currency})", c_service: "Niveau de service (parc)",
      needed: "nécessaires", productive: "productifs", open: "ouvertes",
      headcount: "Effectif", hires: "Recrutements", required_fte: "ETP nécessaires", productive_fte: "ETP productifs",
      short_fte: "ETP manquants", labour_cost: "Coût salarial", revenue: "Chiffre d'affaires", margin: "Marge",
      service_level: "Niveau de service", seats_needed: "Positions nécessaires", seats_open: "Positions ouvertes",
      short_fte_total: "ETP-mois manquants",
      hiring: "{name} : plans de recrutement", operator: "Opérateur", language: "Langue", classes: "Promotions",
      months_short: "Mois en manque", contracts: "{name} : contrats sur l'horizon", client: "Client",
      penalty: "Pénalité",
      below: "Mois sous l'objectif contractuel", phases: "{name} : tranches des bâtiments", building: "Bâtiment",
      phase: "Tranche", seats: "Positions", opens: "Ouverture", needed_by: "Nécessaire dès",
      late: "EN RETARD : doit ouvrir plus tôt", none: "aucun" },
  }[LANG];
  const FIGURES = ["headcount", "hires", "required_fte", "productive_fte", "short_fte", "labour_cost", "revenue",
                   "margin", "service_level", "seats_needed", "seats_open"];  // growth/compare.py's order
  const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];
  const DASHES = ["solid", "dash", "dot", "dashdot"];
  const $ = byId, fill = fillIn, plain = plainText, number = localNumber;  // api.js
  // As the report writes them (report/growth_report.py value_text): shares in %, FTE and headcount to a tenth.
  const valueText = (figure, value, signed = false) => {
    if (value === null || value === undefined) return "—";
    let text = figure === "service_level" ? number(100 * value, 1) + (LANG === "fr" ? "\u00a0%" : " %")
      : number(value, figure.endsWith("fte") || figure === "headcount" ? 1 : 0);
    if (signed && !text.startsWith("-")) text = "+" + text;
    return text;
  };

  for (const el of document.querySelectorAll("[data-t]")) el.textContent = WORDS[el.dataset.t];

  function addPark(name) {
    if ($("parks").children.length >= MAX_PARKS) return;
    const park = $("park-template").content.firstElementChild.cloneNode(true);
    for (const el of park.querySelectorAll("[data-t]")) el.textContent = WORDS[el.dataset.t];
    const n = $("parks").children.length + 1;
    park.id = `park-${n}`;
    park.querySelector(".park-name").value = name;
    park.querySelector(".park-toml").placeholder = WORDS.placeholder;
    park.querySelector(".park-file").addEventListener("change", async (event) => {
      const file = event.target.files[0];
      if (!file) return;
      $("error").textContent = "";
      if (file.size > MAX_BODY) {  // the server refuses it anyway (413); say so before sending it
        $("error").textContent = fill(WORDS.too_big, { file: file.name, size: number(file.size), max: number(MAX_BODY) });
        return;
      }
      park.querySelector(".park-toml").value = await file.text();
      // A scenario is named by its file's name, as on the command line (the API checks the name).
      park.querySelector(".park-name").value = file.name.replace(/\.toml$/i, "").slice(0, 64);
    });
    $("parks").append(park);
    $("add-park").disabled = $("parks").children.length >= MAX_PARKS;
  }

  function table(element, caption, headers, rows) {
    // rows: arrays of cells, each text or [text, class]; a row's first cell is its header.
    element.replaceChildren();
    if (caption) element.createCaption().textContent = caption;
    const head = element.createTHead().insertRow();
    for (const h of headers) { const th = document.createElement("th"); th.textContent = h; head.append(th); }
    const body = element.createTBody();
    for (const row of rows) {
      const tr = body.insertRow();
      row.forEach((cell, i) => {
        const [text, css] = Array.isArray(cell) ? cell : [cell, ""];
        const td = document.createElement(i === 0 ? "th" : "td");
        td.textContent = text;
        if (css) td.className = css;
        tr.append(td);
      });
    }
    return element;
  }

  // A row's cells: each scenario's value, then each one's difference against the first.
  const cells = (figure, row) => [...row.values.map((v) => [valueText(figure, v), "num"]),
                                  ...row.differences.slice(1).map((d) => [valueText(figure, d, true), "num"])];
  const headers = (names) => [...names, ...names.slice(1).map((n) => fill(WORDS.minus, { name: n, first: names[0] }))];

  function totals(comparison) {
    const rows = comparison.totals.map((row) => [
      WORDS[row.figure === "short_fte" ? "short_fte_total" : row.figure], ...cells(row.figure, row)]);
    table($("totals"), WORDS.totals, [WORDS.figure, ...headers(comparison.scenarios)], rows);
  }

  function differences(comparison) {
    const figure = $("figure").value;
    const rows = comparison.rows.filter((r) => r.figure === figure).map((row) => [row.month, ...cells(figure, row)]);
    table($("differences"), WORDS[figure], [WORDS.month, ...headers(comparison.scenarios)], rows);
  }

  function charts(docs) {
    const series = (rows, key) => rows.map((r) => r[key]);
    const colour = (i) => COLOURS[i % COLOURS.length];
    const dash = (i) => ({ dash: DASHES[i % DASHES.length] });
    const line = (doc, i, key, name, extra) => ({ x: doc.months, y: series(doc.summary, key), name, mode: "lines",
      type: "scatter", legendgroup: doc.scenario, line: { color: colour(i), ...extra } });
    // One trace per scenario: lines told apart by their dash, or bars side by side.
    const lines = (key) => docs.map((d, i) => line(d, i, key, plain(d.scenario), dash(i)));
    const bars = (key) => docs.map((d, i) => ({ x: d.months, y: series(d.summary, key), name: plain(d.scenario),
      type: "bar", marker: { color: colour(i) } }));
    // Two traces per scenario: what it has (solid) against what it needs or opens (dotted).
    const against = (solid, solidWord, dotted, dottedWord, extra = {}) => docs.flatMap((d, i) => [
      line(d, i, solid, `${plain(d.scenario)} ${solidWord}`),
      line(d, i, dotted, `${plain(d.scenario)} ${dottedWord}`, { dash: "dot", ...extra })]);
    const clients = [...new Set(docs.flatMap((d) => d.contracts.map((c) => c.client)))];
    const currency = [...new Set(docs.map((d) => d.currency))].join(", ");
    const grouped = { barmode: "group" };
    const figures = [
      ["headcount", WORDS.c_headcount, lines("headcount"), {}],
      ["hires", WORDS.c_hires, bars("hires"), grouped],
      ["fte", WORDS.c_fte, against("productive_fte", WORDS.productive, "required_fte", WORDS.needed), {}],
      ["short", WORDS.c_short, bars("short_fte"), grouped],
      ["seats", WORDS.c_seats, against("seats_needed", WORDS.needed, "seats_open", WORDS.open, { shape: "hv" }), {}],
      ["margin", fill(WORDS.c_margin, { currency }), docs.flatMap((d, i) => d.contracts.map((c) => ({
        x: c.months.map((r) => r.month), y: c.months.map((r) => r.margin), type: "scatter", mode: "lines",
        name: `${plain(d.scenario)} — ${plain(c.client)}`,
        line: { color: colour(clients.indexOf(c.client)), ...dash(i) } }))), {}],
      ["service", WORDS.c_service, lines("service_level"), { yaxis: { range: [0, 1.02], tickformat: ".0%" } }],
    ];
    $("charts").replaceChildren();
    for (const [key, title, data, layout] of figures) {
      const heading = document.createElement("h3");
      heading.textContent = title;
      const div = document.createElement("div");
      div.id = `chart-${key}`;
      div.className = "chart";
      $("charts").append(heading, div);
      Plotly.newPlot(div, data, { ...layout, xaxis: { type: "category" }, margin: { l: 60, r: 20, t: 20, b: 40 },
                                  separators: LANG === "fr" ? ", " : ".," }, { displaylogo: false, responsive: true });
    }
  }

  const monthsText = (labels) => labels.length === 0 ? WORDS.none
    : labels.slice(0, 4).join(", ") + (labels.length > 4 ? ` (+${labels.length - 4})` : "");

  function perScenario(docs) {
    const out = $("per-scenario");
    out.replaceChildren();
    docs.forEach((doc, i) => {
      const n = i + 1;
      const heading = document.createElement("h2");
      heading.textContent = doc.scenario;
      const hiring = doc.hiring.map((p) => {
        const short = p.months.filter((r) => r.short_fte > 0.005).map((r) => r.month);
        return [p.operator, p.language, [number(p.months.reduce((s, r) => s + r.hires, 0)), "num"],
                [number(p.months.reduce((s, r) => s + r.classes, 0)), "num"],
                [monthsText(short), short.length ? "alarm" : ""],
                [number(p.months.reduce((s, r) => s + r.short_fte, 0), 1), "num"]];
      });
      const contracts = doc.contracts.map((c) => {
        const below = c.months.filter((r) => r.service_level !== null && r.service_level < c.goal - 1e-9)
          .map((r) => r.month);
        const sum = (key) => [`${number(c.months.reduce((s, r) => s + r[key], 0))} ${doc.currency}`, "num"];
        return [c.client, c.operator, sum("revenue"), sum("penalty"), sum("labour_cost"), sum("margin"),
                monthsText(below)];
      });
      const phases = doc.buildings.flatMap((b) => b.phases.map((p) => [b.building, p.phase, [number(p.seats), "num"],
        p.opening, p.needed_by || "—", p.late ? [WORDS.late, "alarm"] : ""]));
      const named = (id) => Object.assign(document.createElement("table"), { id: `${id}-${n}` });
      out.append(heading,
        table(named("hiring"), fill(WORDS.hiring, { name: doc.scenario }),
              [WORDS.operator, WORDS.language, WORDS.hires, WORDS.classes, WORDS.months_short, WORDS.short_fte_total],
              hiring),
        table(named("contracts"), fill(WORDS.contracts, { name: doc.scenario }),
              [WORDS.client, WORDS.operator, WORDS.revenue, WORDS.penalty, WORDS.labour_cost,
               WORDS.margin, WORDS.below], contracts),
        table(named("phases"), fill(WORDS.phases, { name: doc.scenario }),
              [WORDS.building, WORDS.phase, WORDS.seats, WORDS.opens, WORDS.needed_by, ""], phases));
    });
  }

  let shown = null;
  async function compare() {
    $("error").textContent = "";
    const scenarios = [];
    for (const [i, park] of [...$("parks").children].entries()) {
      const toml = park.querySelector(".park-toml").value;
      if (!toml.trim()) { $("error").textContent = fill(WORDS.no_text, { n: i + 1 }); return; }
      scenarios.push({ name: park.querySelector(".park-name").value.trim(), toml });
    }
    $("compare").disabled = true;
    $("status").textContent = WORDS.running;
    try {
      shown = await call("POST", "/api/growth", { scenarios });
      $("results").hidden = false;
      totals(shown.comparison);
      charts(shown.scenarios);
      differences(shown.comparison);
      perScenario(shown.scenarios);
      $("status").textContent = WORDS.done;
    } catch (error) {
      $("status").textContent = WORDS.failed;
      $("error").textContent = error.message;  // the API's error: the scenario and the field's path
    } finally {
      $("compare").disabled = false;
    }
  }

  for (const figure of FIGURES) $("figure").add(new Option(WORDS[figure], figure));
  $("figure").addEventListener("change", () => shown && differences(shown.comparison));
  $("add-park").addEventListener("click", () => addPark(`scenario ${$("parks").children.length + 1}`));
  $("compare").addEventListener("click", compare);
  addPark("base");
  addPark("other");
})();
