// The kept plans: the list (scenario, date, verdict, key figures; report, re-run, delete), two or more side by
// side with their differences highlighted, and the running plan's progress with a cancel button. Only the API
// (/api/plans...) is used; every text from a user or a plan is set with textContent, never as HTML.
"use strict";
(() => {
  const LANG = document.documentElement.lang === "fr" ? "fr" : "en";
  const T = {
    en: { kept_title: "Kept plans", compare: "Compare the selected plans (the first selected is the reference)",
          scenario: "Scenario", date: "Date (UTC)",
          status: "Status", verdict: "Verdict", fte: "FTE", paid_hours: "Paid hours", cost: "Labour cost",
          sl: "Service level", report: "Report", rerun: "Re-run", delete: "Delete", cancel: "Cancel",
          confirm_delete: "Delete this kept plan?", measure: "Measure", none: "No plan kept yet.",
          met: "met", at_risk: "at risk", not_met: "not met", done: "done", failed: "failed",
          cancelled: "cancelled", queued: "queued", running: "running", cancelling: "cancelling…",
          select_two: "Select two plans or more.", reference: "(reference)", missing: "missing in",
          workbook: "Excel workbook", workbook_title: "The plan as an .xlsx workbook: verdict, shifts, "
            + "requirement vs scheduled per interval, daily summary",
          figures: { fte: "FTE", jobs: "Jobs", paid_hours: "Paid hours", labour_cost: "Labour cost",
                     seats_at_peak: "Seats at peak", phone_lines: "Phone lines", busy_bandwidth_bps: "Busy bandwidth",
                     link_share: "Share of the link", coverage: "Requirement covered" },
          sl_of: "Service level" },
    fr: { kept_title: "Plans conservés",
          compare: "Comparer les plans choisis (le premier choisi sert de référence)", scenario: "Scénario",
          date: "Date (UTC)", status: "État", verdict: "Verdict", fte: "ETP", paid_hours: "Heures payées",
          cost: "Coût salarial", sl: "Niveau de service", report: "Rapport", rerun: "Relancer", delete: "Supprimer",
          cancel: "Annuler", confirm_delete: "Supprimer ce plan conservé ?", measure: "Mesure",
          none: "Aucun plan conservé.", met: "atteint", at_risk: "à risque", not_met: "non atteint",
          done: "terminé", failed: "échoué", cancelled: "annulé", queued: "en attente", running: "en cours",
          cancelling: "annulation…", select_two: "Choisissez au moins deux plans.", reference: "(référence)",
          missing: "absent de",
          workbook: "Classeur Excel", workbook_title: "Le plan en classeur .xlsx : verdict, vacations, "
            + "besoin et planifié par intervalle, synthèse quotidienne",
          figures: { fte: "ETP", jobs: "Postes", paid_hours: "Heures payées", labour_cost: "Coût salarial",
                     seats_at_peak: "Positions à la pointe", phone_lines: "Lignes téléphoniques",
                     busy_bandwidth_bps: "Débit à la pointe", link_share: "Part du lien",
                     coverage: "Besoin couvert" },
          sl_of: "Niveau de service" },
  }[LANG];
  const $ = (id) => document.getElementById(id);
  const number = (x, digits = 0) => new Intl.NumberFormat(LANG === "fr" ? "fr-FR" : "en-GB",
    { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(x);
  const percent = (x, digits = 1) => number(100 * x, digits) + (LANG === "fr" ? "\u00a0%" : " %");
  const signed = (text, x) => (x > 0 ? "+" : x < 0 ? "" : "±") + text;  // a minus sign comes with the number
  const el = (tag, text, className) => {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  };
  document.querySelectorAll("[data-tp]").forEach((node) => { node.textContent = T[node.dataset.tp]; });

  const showError = (e) => { $("kept-error").textContent = e ? e.message : ""; };

  function value(unit, x, currency) {
    if (unit === "share") return percent(x, 1);
    if (unit === "bit/s") return number(x / 1e6, 2) + " Mbit/s";
    if (unit === "currency") return number(x, 0) + " " + currency;
    return number(x, unit === "FTE" ? 1 : 0);
  }

  function difference(unit, d, relative, currency) {
    const shown = unit === "share" ? signed(number(100 * d, 1) + " pt", d) : signed(value(unit, d, currency), d);
    return relative === null ? shown : `${shown} (${signed(percent(relative, 1), relative)})`;
  }

  // The kept plan's workbook, in the page's language; a plain link, so the browser saves it as it comes.
  function workbookLink(id) {
    const link = el("a", T.workbook, "workbook");
    link.href = `/api/plans/${encodeURIComponent(id)}/plan.xlsx?lang=${LANG}`;
    link.download = `plan-${id}.xlsx`;
    link.title = T.workbook_title;
    return link;
  }

  let picked = [];  // ids of the plans selected for the compare, in the order they were selected

  async function refresh() {
    let kept;
    try { kept = await call("GET", "/api/plans"); } catch (e) { showError(e); return; }
    const body = $("kept-rows");
    body.replaceChildren();
    picked = picked.filter((id) => kept.some((plan) => plan.id === id && plan.status === "done"));
    $("kept-none").hidden = kept.length > 0;
    for (const plan of kept) {
      const row = body.insertRow();
      row.dataset.id = plan.id;
      const pick = el("input"); pick.type = "checkbox"; pick.className = "pick"; pick.value = plan.id;
      pick.disabled = plan.status !== "done";
      pick.checked = picked.includes(plan.id);
      pick.addEventListener("change", () => {
        picked = picked.filter((id) => id !== plan.id).concat(pick.checked ? [plan.id] : []);
      });
      row.insertCell().appendChild(pick);
      row.insertCell().textContent = plan.scenario;
      row.insertCell().textContent = plan.created_at.replace("T", " ").slice(0, 16);
      const outcome = row.insertCell();
      outcome.className = "outcome";
      outcome.appendChild(plan.verdict ? el("span", T[plan.verdict], `verdict ${plan.verdict}`)
                                       : el("span", T[plan.status] || plan.status, `status ${plan.status}`));
      if (plan.error && plan.status === "failed") outcome.title = plan.error;
      const f = plan.key_figures;
      row.insertCell().textContent = f ? number(f.fte, 1) : "—";
      row.insertCell().textContent = f ? number(f.paid_hours, 0) : "—";
      row.insertCell().textContent = f ? `${number(f.labour_cost, 0)} ${f.currency}` : "—";
      const levels = f ? f.queues.filter((q) => q.service_level !== null) : [];
      row.insertCell().textContent = levels.length
        ? levels.map((q) => `${q.queue} ${percent(q.service_level)}`).join(", ") : "—";
      const actions = row.insertCell();
      if (plan.status === "done") {
        const link = el("a", T.report); link.href = `/api/plans/${encodeURIComponent(plan.id)}/report`;
        link.target = "_blank"; link.className = "report";
        actions.append(link, " ");
      }
      const rerun = el("button", T.rerun, "rerun");
      rerun.addEventListener("click", async () => {
        showError();
        try { follow((await call("POST", `/api/plans/${encodeURIComponent(plan.id)}/rerun`, { lang: LANG })).id); }
        catch (e) { showError(e); }
      });
      const remove = el("button", T.delete, "delete");
      remove.addEventListener("click", async () => {
        if (!window.confirm(T.confirm_delete)) return;
        showError();
        try { await call("DELETE", `/api/plans/${encodeURIComponent(plan.id)}`); await refresh(); }
        catch (e) { showError(e); }
      });
      actions.append(rerun, " ", remove);
      if (plan.status === "done") actions.append(" ", workbookLink(plan.id));
    }
  }

  function compareRow(table, label, row, plans) {
    const tr = table.insertRow();
    tr.insertCell().textContent = row.missing_in.length ? `${label} (${T.missing} ${row.missing_in.join(", ")})`
                                                         : label;
    row.values.forEach((x, i) => {
      const cell = tr.insertCell();
      if (x === null) { cell.textContent = "—"; cell.className = "missing"; return; }
      cell.appendChild(el("span", value(row.unit, x, plans[i].currency), "value"));
      if (row.statuses && row.statuses[i]) {
        cell.append(" ", el("span", T[row.statuses[i]], `verdict ${row.statuses[i]}`));
      }
      const d = row.differences[i];
      if (i > 0 && d !== null && d !== 0) {
        cell.classList.add("differs", d > 0 ? "up" : "down");
        cell.append(" ", el("span", difference(row.unit, d, row.relative[i], plans[i].currency), "difference"));
      }
    });
  }

  async function compare() {
    showError();
    const ids = picked;  // in the order they were picked: the first is the reference
    if (ids.length < 2) { showError(new Error(T.select_two)); return; }
    let c;
    try { c = await call("POST", "/api/plans/compare", { ids }); } catch (e) { showError(e); return; }
    const table = el("table"); table.id = "compare-table";
    const head = table.createTHead().insertRow();
    head.appendChild(el("th", T.measure));
    for (const [i, p] of c.plans.entries()) {
      const th = el("th", undefined, i === 0 ? "reference" : undefined);
      th.append(el("div", p.scenario), el("div", p.created_at.replace("T", " ").slice(0, 16)),
                el("span", T[p.verdict], `verdict ${p.verdict}`));
      if (i === 0) th.append(el("div", T.reference));
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const row of c.figures) compareRow(body, T.figures[row.name] || row.name, row, c.plans);
    for (const row of c.queues) compareRow(body, `${T.sl_of} ${row.name}`, row, c.plans);
    for (const row of c.queue_days) compareRow(body, `${T.sl_of} ${row.name}`, row, c.plans);
    $("compare-view").replaceChildren(table);
  }

  let following = null;
  async function follow(id) {
    following = id;
    $("run-box").hidden = false;
    $("run-cancel").hidden = false; $("run-cancel").disabled = false;
    $("run-progress").value = 0; $("run-step").textContent = T.queued;
    for (;;) {
      let state;
      try { state = await call("GET", `/api/plans/${encodeURIComponent(id)}`); }
      catch (e) { showError(e); return; }
      if (following !== id) return;  // another run followed since
      $("run-progress").value = state.share;
      const words = state.cancelling ? [T.cancelling] : [T[state.status] || state.status, state.step, state.detail];
      $("run-step").textContent = words.filter(Boolean).join(" — ");
      $("run-box").dataset.status = state.status;
      if (!["queued", "running"].includes(state.status)) {
        $("run-cancel").hidden = true;
        if (state.status === "failed") showError(new Error(state.error));
        await refresh();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  $("run-cancel").addEventListener("click", async () => {
    if (!following) return;
    $("run-cancel").disabled = true;
    try { await call("POST", `/api/plans/${encodeURIComponent(following)}/cancel`); } catch (e) { showError(e); }
  });
  $("compare").addEventListener("click", compare);
  // A plan started from the scenario section (dashboard.js) is followed here too.
  document.addEventListener("plan-started", (event) => follow(event.detail.id));
  refresh();
})();
