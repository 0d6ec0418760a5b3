// The scenario form: site, link, plan window, queues, shift patterns, single shifts and labour rules as forms
// and tables, checked by the API as the user types (the error beside the field it names), a TOML view both
// ways, and saving to the stored scenarios the dashboard runs. Only the public API; every user text goes into
// the page through textContent or an input's value, never as markup.
"use strict";
const LANG = document.documentElement.lang === "fr" ? "fr" : "en";
const T = WORDS[LANG];
// A word with its number: {one, other} forms chosen by the language's plural rules ("1 shift", "0 vacation").
const PLURAL = new Intl.PluralRules(LANG);
const say = (key, n) => {
  const words = T[key] || key;
  const form = typeof words === "string" ? words : words[PLURAL.select(Number(n))] || words.other;
  return form.replace("{n}", String(n)).replace("{v}", String(n));
};
const $ = (id) => document.getElementById(id);

// What the form shows: [key, kind, what is known of it]. Kinds: text, num (a number, else sent as typed, so that
// the API names it), date, choice, bool (default / yes / no), groups (one group or a list). Known: def, the
// model's default, the only text shown greyed in a field (left empty, it applies: tests/test_scenario_browser.py
// checks each against the model); req, a field the scenario must give (marked *, nothing greyed); eg, an example,
// written as a hint ("e.g. 07:00") beside the field, never as a grey value; empty, a word key for what an empty
// field means when that is not a value; choices; wide.
const SECTIONS = [
  ["site", [["name", "text", { def: "site" }], ["time_zone", "text", { def: "Africa/Casablanca" }],
            ["seats", "num", { req: true, eg: "120" }], ["floor_m2_per_seat", "num", { def: "7" }],
            ["cost_per_agent_hour", "num", { def: "0" }], ["currency", "text", { def: "MAD" }],
            ["shrinkage", "num", { def: "0.3" }]]],
  ["link", [["capacity", "text", { def: "1G" }], ["codec", "text", { def: "G.711" }],
            ["layer", "choice", { def: "ethernet", choices: ["payload", "ip", "ethernet", "wire"] }],
            ["headroom", "num", { def: "0.2" }], ["blocking", "num", { def: "0.001" }]]],
  ["plan", [["start", "date", { req: true }], ["days", "num", { def: "7" }],
            ["interval_min", "choice", { def: "15", choices: ["15", "30", "60"] }],
            ["replications", "num", { def: "20" }], ["seed", "num", { def: "0" }]]],
  ["rules", [["opening_hours", "text", { def: "24/7" }], ["max_daily_hours", "num", { def: "10" }],
             ["max_weekly_hours", "num", { def: "44" }], ["weekly_rest_days", "num", { def: "1" }],
             ["night", "text", { def: "21:00-06:00" }], ["min_rest_hours", "num", { def: "11" }],
             ["max_consecutive_days", "num", { def: "6" }], ["days_off_in_pairs", "bool", { def: "true" }],
             ["weekend_off_every_weeks", "num", { def: "3" }], ["start_band_hours", "num", { def: "2" }]]],
];
const TABLES = [
  ["queues", [["name", "text", { req: true, eg: "fr-billing" }], ["client", "text"], ["language", "text"],
              ["skill", "text", { req: true, eg: "fr" }],
              ["channel", "choice", { def: "voice", choices: ["voice", "chat", "email"] }],
              ["client_time_zone", "text", { req: true, eg: "Europe/Paris" }],
              ["country", "text", { eg: "FR", empty: "empty_country" }],
              ["aht_s", "num", { req: true, eg: "300" }],
              ["max_sessions", "num", { eg: "3", empty: "chat_only", only: "chat" }],
              ["concurrency", "num", { eg: "0.3", empty: "chat_only", only: "chat" }],
              ["deadline_s", "num", { eg: "86400", empty: "email_only", only: "email" }],
              ["deadline_share", "num", { eg: "0.95", empty: "email_only", only: "email" }],
              ["patience_s", "num", { empty: "empty_patience", notFor: "email" }],
              ["target_s", "num", { def: "20", notFor: "email" }], ["service_level", "num", { def: "0.8", notFor: "email" }],
              ["history", "choice", { def: "synthetic", choices: ["synthetic", "workspace"] }],
              ["synthetic.weekly_calls", "num", { req: true, eg: "5000", empty: "synthetic_needs" }],
              ["synthetic.weeks", "num", { def: "8" }], ["synthetic.open_hours", "text", { def: "08:00-20:00" }],
              ["synthetic.saturday_share", "num", { def: "0.4" }], ["synthetic.sunday_share", "num", { def: "0" }]]],
  ["shift_patterns", [["name", "text", { req: true, eg: "day" }], ["groups", "groups", { req: true, eg: "fr, fr+es" }],
                      ["first_start", "text", { req: true, eg: "07:00" }],
                      ["last_start", "text", { eg: "14:00", empty: "empty_last_start" }],
                      ["every", "text", { def: "1h" }], ["length", "text", { req: true, eg: "9h" }],
                      ["cost", "num", { req: true, eg: "9" }],
                      ["breaks", "text", { eg: "15m@1h30m-2h30m; 1h@3h30m-5h", empty: "empty_breaks", wide: true }]]],
  ["shifts", [["name", "text", { req: true, eg: "fr-08h" }], ["start", "text", { req: true, eg: "08:00" }],
              ["length", "text", { req: true, eg: "8h" }], ["cost", "num", { req: true, eg: "8" }],
              ["group", "text", { req: true, eg: "fr" }],
              ["breaks", "text", { eg: "15m@2h-3h", empty: "empty_breaks", wide: true }]]],
];
const extras = {};  // keys a loaded scenario has that the form does not show: kept as they were

// The hint under a field or a column's name: an example and what leaving it empty means, in words.
function hint(known) {
  return [known.eg ? say("eg", known.eg) : "", known.empty ? T[known.empty] : ""].filter(Boolean).join("; ");
}

function input(kind, known, hintId) {
  let el;
  if (kind === "choice" || kind === "bool") {
    el = document.createElement("select");
    const shown = { true: T.yes, false: T.no };
    const values = kind === "bool" ? ["true", "false"] : known.choices;
    const empty = known.def === undefined ? T.choose : say("default_is", shown[known.def] || known.def);
    for (const [value, text] of [["", empty], ...values.map((v) => [v, shown[v] || v])]) {
      const option = document.createElement("option");
      option.value = value; option.textContent = text;
      el.appendChild(option);
    }
  } else {
    el = document.createElement("input");
    el.type = kind === "date" ? "date" : "text";
    if (kind === "num") el.inputMode = "decimal";
    if (known.def !== undefined) el.placeholder = known.def;  // greyed only when it is the default
  }
  if (known.req) { el.required = true; el.setAttribute("aria-required", "true"); }
  if (hintId) el.setAttribute("aria-describedby", hintId);
  el.dataset.kind = kind;
  return el;
}

function named(text, known) {  // a field's or a column's name, with * when the scenario must give it
  const span = document.createElement("span");
  span.textContent = text;
  if (known.req) {
    const mark = document.createElement("abbr");
    mark.className = "required"; mark.title = T.required; mark.textContent = " *";
    span.appendChild(mark);
  }
  return span;
}

function hintNode(known, id) {
  const small = document.createElement("small");
  small.className = "hint"; small.id = id; small.textContent = hint(known);
  return small;
}

function errorSlot(className = "field-error") {
  const div = document.createElement("div");
  div.className = className;
  return div;
}

function buildSections() {
  for (const [section, fields] of SECTIONS) {
    const set = document.createElement("fieldset");
    set.id = `section-${section}`;
    const legend = document.createElement("legend");
    legend.textContent = T[section];
    set.appendChild(legend);
    for (const [key, kind, known = {}] of fields) {
      const label = document.createElement("label");
      label.className = "field";
      const hintId = `h-${section}-${key}`;
      const el = input(kind, known, hint(known) ? hintId : "");
      el.dataset.path = `${section}.${key}`;
      el.id = `f-${section}-${key}`;
      label.append(named(T[`${section}.${key}`], known), el, errorSlot());  // the error right under the field
      if (hint(known)) label.appendChild(hintNode(known, hintId));
      set.appendChild(label);
    }
    const sectionError = errorSlot();
    sectionError.dataset.path = section;
    set.appendChild(sectionError);
    $("sections").appendChild(set);
  }
}

function buildTables() {
  for (const [table, columns] of TABLES) {
    const set = document.createElement("fieldset");
    set.id = `section-${table}`;
    const legend = document.createElement("legend");
    legend.textContent = T[table];
    const grid = document.createElement("table");
    grid.id = `table-${table}`;
    const head = grid.createTHead().insertRow();
    for (const [key, , known = {}] of columns) {
      const th = document.createElement("th");
      th.appendChild(named(T[`${table}.${key}`], known));
      if (hint(known)) th.appendChild(hintNode(known, `h-${table}-${key.replace(".", "-")}`));
      head.appendChild(th);
    }
    for (const word of [...(table === "shift_patterns" ? ["preview"] : []), "row"]) {
      const th = document.createElement("th");
      th.textContent = T[word];
      head.appendChild(th);
    }
    grid.createTBody();
    const add = document.createElement("button");
    add.type = "button"; add.id = `add-${table}`; add.textContent = T.add_row;
    add.addEventListener("click", () => { addRow(table); renumber(table); changed(); });
    const tableError = errorSlot();
    tableError.dataset.path = table;
    set.append(legend, grid, add, tableError);
    $("tables").appendChild(set);
  }
}

function addRow(table, values = {}) {
  const columns = TABLES.find(([name]) => name === table)[1];
  const row = $(`table-${table}`).tBodies[0].insertRow();
  row.extra = {};
  for (const [key, kind, known = {}] of columns) {
    const cell = row.insertCell();
    if (known.wide) cell.className = "wide";
    const el = input(kind, known, hint(known) ? `h-${table}-${key.replace(".", "-")}` : "");
    el.dataset.key = key;
    el.setAttribute("aria-label", T[`${table}.${key}`]);
    cell.append(el, errorSlot());
  }
  if (table === "shift_patterns") {
    const preview = row.insertCell();
    preview.className = "preview";
  }
  const actions = row.insertCell();
  const remove = document.createElement("button");
  remove.type = "button"; remove.textContent = T.remove; remove.className = "remove";
  remove.addEventListener("click", () => { row.remove(); renumber(table); changed(); });
  actions.append(remove, errorSlot("row-error"));
  fillRow(row, table, values);
  if (table === "queues") {
    row.querySelector('[data-key="channel"]').addEventListener("change", () => showChannel(row));
    showChannel(row);
  }
  return row;
}

// A queue row's fields for its channel (domain/queue.py: max_sessions and concurrency for chat, deadline_s and
// deadline_share for email, which takes no patience, target or service level): the others greyed out and left
// out of the scenario, their values kept should the channel come back.
function showChannel(row) {
  const channel = row.querySelector('[data-key="channel"]').value || "voice";
  const columns = TABLES.find(([name]) => name === "queues")[1];
  for (const [key, , known = {}] of columns) {
    const el = row.querySelector(`[data-key="${key}"]`);
    const off = (known.only !== undefined && known.only !== channel) || known.notFor === channel;
    el.disabled = off;
    el.closest("td").classList.toggle("off", off);
  }
}

function renumber(table) {
  [...$(`table-${table}`).tBodies[0].rows].forEach((row, i) => {
    row.dataset.path = `${table}[${i}]`;
    row.querySelector(".row-error").dataset.path = `${table}[${i}]`;
    for (const el of row.querySelectorAll("[data-key]")) {
      el.dataset.path = `${table}[${i}].${el.dataset.key}`;
      el.id = `f-${table}-${i}-${el.dataset.key.replace(".", "-")}`;
    }
  });
}

// ---- form <-> JSON scenario

function readValue(el) {
  const text = el.value.trim();
  if (text === "") return undefined;
  if (el.dataset.kind === "bool") return text === "true";
  if (el.dataset.kind === "num" || (el.dataset.kind === "choice" && /^\d+$/.test(text))) {
    const number = Number(text.replace(",", "."));
    return Number.isFinite(number) ? number : text;  // as typed otherwise: the API names the field
  }
  return text;
}

function setPath(target, dotted, value) {
  const parts = dotted.split(".");
  let at = target;
  for (const part of parts.slice(0, -1)) at = at[part] = at[part] || {};
  at[parts[parts.length - 1]] = value;
}

function getPath(source, dotted) {
  return dotted.split(".").reduce((at, part) => (at && typeof at === "object" ? at[part] : undefined), source);
}

function readRow(row) {
  const out = structuredClone(row.extra || {});
  for (const el of row.querySelectorAll("[data-key]")) {
    const key = el.dataset.key;
    const value = el.disabled ? undefined : readValue(el);  // not the row's channel's: not sent (kept if it returns)
    if (key === "groups") {
      delete out.group; delete out.groups;
      const groups = (value === undefined ? "" : String(value)).split(/[\s,;]+/).filter(Boolean);
      if (groups.length === 1) out.group = groups[0];
      else if (groups.length > 1) out.groups = groups;
    } else if (value === undefined) {
      if (key.includes(".")) { const [outer, inner] = key.split("."); if (out[outer]) delete out[outer][inner]; }
      else delete out[key];
    } else {
      setPath(out, key, value);
    }
  }
  for (const [key, value] of Object.entries(out)) {  // a nested table left empty is not given
    if (value && typeof value === "object" && !Array.isArray(value) && !Object.keys(value).length) delete out[key];
  }
  return out;
}

function scenarioFromForm() {
  const doc = structuredClone(extras.top || {});
  for (const [section, fields] of SECTIONS) {
    const part = structuredClone(extras[section] || {});
    for (const [key] of fields) {
      const value = readValue($(`f-${section}-${key}`));
      if (value === undefined) delete part[key]; else part[key] = value;
    }
    if (Object.keys(part).length) doc[section] = part; else delete doc[section];
  }
  for (const [table] of TABLES) {
    const rows = [...$(`table-${table}`).tBodies[0].rows].map(readRow);
    if (rows.length) doc[table] = rows; else delete doc[table];
  }
  return doc;
}

function show(el, value) {
  if (el.dataset.kind === "bool") el.value = value === undefined ? "" : String(Boolean(value));
  else el.value = value === undefined || value === null ? "" : String(value);
}

function fillRow(row, table, values) {
  const columns = TABLES.find(([name]) => name === table)[1];
  row.extra = structuredClone(values);
  for (const el of row.querySelectorAll("[data-key]")) {
    const key = el.dataset.key;
    if (key === "groups") {
      show(el, values.groups ? values.groups.join(", ") : values.group);
    } else {
      show(el, getPath(values, key));
    }
  }
  for (const [key] of columns) {  // what the row shows is read back from it, the rest kept as it was
    if (key === "groups") { delete row.extra.group; delete row.extra.groups; }
    else if (key.includes(".")) { const [outer, inner] = key.split("."); if (row.extra[outer]) delete row.extra[outer][inner]; }
    else delete row.extra[key];
  }
}

function fillForm(doc) {
  extras.top = {};
  for (const [key, value] of Object.entries(doc)) {
    if (!SECTIONS.some(([s]) => s === key) && !TABLES.some(([t]) => t === key)) extras.top[key] = value;
  }
  for (const [section, fields] of SECTIONS) {
    const part = doc[section] && typeof doc[section] === "object" ? doc[section] : {};
    extras[section] = Object.fromEntries(Object.entries(part).filter(([k]) => !fields.some(([f]) => f === k)));
    for (const [key] of fields) show($(`f-${section}-${key}`), part[key]);
  }
  for (const [table] of TABLES) {
    $(`table-${table}`).tBodies[0].replaceChildren();
    for (const values of Array.isArray(doc[table]) ? doc[table] : []) addRow(table, values);
    renumber(table);
  }
}

// ---- the API: call() is api.js's, shared with the dashboard

let checks = 0;
let timer = null;

function changed() {
  checks++;  // an answer to a check made before this change is stale: ignored when it comes
  clearTimeout(timer);
  $("status").textContent = T.checking; $("status").className = "status"; $("status").dataset.state = "checking";
  timer = setTimeout(check, 400);
}

function slotFor(field) {
  // The closest element naming the field: itself, then its parents (shift_patterns[1].groups[2] -> .groups).
  let path = field.replace(/\.group$/, ".groups");
  for (;;) {
    const el = document.querySelector(`[data-path="${CSS.escape(path)}"]`);
    if (el) return el;
    const shorter = path.replace(/(\.[^.[\]]+|\[\d+\])$/, "");
    if (shorter === path || !shorter) return null;
    path = shorter;
  }
}

function showErrors(errors) {
  for (const el of document.querySelectorAll(".field-error, .row-error")) el.textContent = "";
  for (const el of document.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  $("form-errors").replaceChildren();
  for (const { field, message } of errors) {
    const el = slotFor(field);
    let slot = null;
    if (el && (el.tagName === "INPUT" || el.tagName === "SELECT")) {
      el.setAttribute("aria-invalid", "true");
      slot = el.parentElement.querySelector(".field-error");
    } else if (el && el.tagName === "TR") {
      slot = el.querySelector(".row-error");
    } else if (el) {
      slot = el;
    }
    if (slot) { slot.textContent = slot.textContent ? `${slot.textContent} ${message}` : message; continue; }
    const item = document.createElement("li");
    item.textContent = message;
    $("form-errors").appendChild(item);
  }
}

async function check() {
  const mine = ++checks;
  try {
    const result = await call("POST", "/api/scenarios/validate", { scenario: scenarioFromForm() });
    if (mine !== checks) return;  // a newer check is on its way
    showErrors(result.errors);
    const rows = [...$("table-shift_patterns").tBodies[0].rows];
    rows.forEach((row, i) => {
      const n = result.pattern_shifts[i];
      row.querySelector(".preview").textContent = n === null || n === undefined ? "—" : say("shifts_n", n);
    });
    $("status").textContent = result.ok ? say("valid", result.shifts) : say("invalid", result.errors.length);
    $("status").className = `status ${result.ok ? "ok" : "bad"}`;
    $("status").dataset.state = result.ok ? "ok" : "bad";
  } catch (e) {
    if (mine !== checks) return;
    $("status").textContent = e.message; $("status").className = "status bad"; $("status").dataset.state = "bad";
  }
}

// ---- single shifts from an Excel workbook: POST /api/xlsx/shifts reads and checks its rows, which then replace
// the single shifts' table (a workbook is the planner's list of templates, not an addition to what was typed)

const MAX_BODY_BYTES = Number(document.querySelector('meta[name="casashore-max-body-bytes"]').content);
const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
// A function as the replacement: a file's name is taken as it is ("$&" in it is no pattern).
const words = (key, values) => Object.entries(values)
  .reduce((text, [k, v]) => text.replaceAll(`{${k}}`, () => String(v)), T[key]);
// In KiB to a tenth, rounded up or down (a file just past the limit must not read as the limit itself).
const kib = (bytes, round) => `${new Intl.NumberFormat(LANG === "fr" ? "fr-FR" : "en-GB",
  { maximumFractionDigits: 1 }).format(round(bytes / 102.4) / 10)} ${T.kib}`;
// The file's name as ?filename= takes it (letters, digits, _ . - and spaces, at most 80): errors name it.
const safeName = (name) => name.normalize("NFC").replace(/[^\p{L}\p{N}_ .-]/gu, "_").slice(0, 80) || "shifts.xlsx";

function buildShiftImport() {
  const box = document.createElement("div");
  box.id = "import-shifts-box"; box.className = "import";
  const label = document.createElement("label");
  const text = document.createElement("span");
  text.textContent = T.import_shifts;
  const file = document.createElement("input");
  file.type = "file"; file.id = "import-shifts"; file.accept = `.xlsx,${XLSX_TYPE}`;
  label.append(text, " ", file);
  const note = document.createElement("p");
  note.className = "note"; note.textContent = T.import_note;
  const status = document.createElement("div");
  status.id = "import-shifts-status"; status.setAttribute("role", "status");
  const error = document.createElement("div");
  error.id = "import-shifts-error"; error.className = "error"; error.setAttribute("role", "alert");
  box.append(label, note, status, error);
  $("table-shifts").before(box);
  for (const kind of ["input", "change"]) {  // choosing a file is no edit: the rows it brings are checked once in
    file.addEventListener(kind, (event) => event.stopPropagation());
  }
  file.addEventListener("change", () => importShifts(file));
}

async function importShifts(input) {
  const file = input.files[0];
  const box = $("import-shifts-box");
  $("import-shifts-status").textContent = ""; $("import-shifts-error").textContent = "";
  if (!file) return;
  input.value = "";  // the same file chosen again (once fixed in Excel) is a new choice
  if (file.size > MAX_BODY_BYTES) {
    $("import-shifts-error").textContent = words("too_big", { file: file.name, size: kib(file.size, Math.ceil),
                                                               max: kib(MAX_BODY_BYTES, Math.floor) });
    box.dataset.state = "refused";
    return;
  }
  input.disabled = true; box.dataset.state = "reading";
  $("import-shifts-status").textContent = words("importing", { file: file.name });
  try {
    const response = await fetch(`/api/xlsx/shifts?filename=${encodeURIComponent(safeName(file.name))}`,
                                 { method: "POST", headers: { "Content-Type": XLSX_TYPE }, body: file });
    const rows = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(rows.error || response.statusText);
    $("table-shifts").tBodies[0].replaceChildren();
    for (const values of rows) addRow("shifts", values);
    renumber("shifts");
    $("import-shifts-status").textContent = words(rows.length === 1 ? "imported_one" : "imported",
                                                  { n: rows.length, file: file.name });
    box.dataset.state = "imported";
    changed();  // checked as if typed
  } catch (e) {
    $("import-shifts-status").textContent = "";
    $("import-shifts-error").textContent = `${T.import_failed} ${e.message}`;
    box.dataset.state = "failed";
  } finally {
    input.disabled = false;
  }
}

// ---- tabs, stored scenarios, saving

async function showTab(toml) {
  $("tab-form").setAttribute("aria-selected", String(!toml));
  $("tab-toml").setAttribute("aria-selected", String(toml));
  $("scenario-form").hidden = toml;
  $("toml-view").hidden = !toml;
  $("toml-error").textContent = "";
  if (toml) {
    try {
      $("toml-text").value = (await call("POST", "/api/scenarios/toml", { scenario: scenarioFromForm() })).toml;
      $("toml-view").dataset.state = "shown";
    } catch (e) { $("toml-error").textContent = e.message; }
  }
}

async function openToml(text) {
  const { scenario } = await call("POST", "/api/scenarios/parse", { toml: text });
  fillForm(scenario);
  changed();
}

async function refreshStored() {
  const list = await call("GET", "/api/scenarios");
  $("stored-list").replaceChildren();
  for (const s of list) {
    const option = document.createElement("option");
    option.value = s.id; option.textContent = `${s.name} (${s.id})`;
    $("stored-list").appendChild(option);
  }
}

document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = T[el.dataset.t] || el.dataset.t; });
buildSections();
buildTables();
buildShiftImport();
addRow("queues"); renumber("queues");
addRow("shift_patterns"); renumber("shift_patterns");
$("scenario-form").addEventListener("input", changed);
$("scenario-form").addEventListener("change", changed);
$("tab-form").addEventListener("click", () => showTab(false));
$("tab-toml").addEventListener("click", () => showTab(true));
$("apply-toml").addEventListener("click", async () => {
  $("toml-error").textContent = "";
  try { await openToml($("toml-text").value); await showTab(false); } catch (e) { $("toml-error").textContent = e.message; }
});
$("open-stored").addEventListener("click", async () => {
  if (!$("stored-list").value) return;
  try {
    const stored = await call("GET", `/api/scenarios/${encodeURIComponent($("stored-list").value)}`);
    await openToml(stored.toml);
    $("save-name").value = stored.name;  // saving it again keeps its name (a new entry: stored ones are kept)
    await showTab(false);
  } catch (e) { $("status").textContent = e.message; }
});
$("save-scenario").addEventListener("click", async () => {
  $("save-error").textContent = ""; $("save-result").replaceChildren();
  try {
    const saved = await call("POST", "/api/scenarios", { name: $("save-name").value, scenario: scenarioFromForm() });
    const link = document.createElement("a");
    link.href = "/"; link.textContent = T.run_it;
    $("save-result").append(`${T.saved}: ${saved.name} (${saved.id}) — `, link);
    $("save-result").dataset.id = saved.id;
    await refreshStored();
  } catch (e) { $("save-error").textContent = e.message; }
});
refreshStored().catch((e) => { $("status").textContent = e.message; });
