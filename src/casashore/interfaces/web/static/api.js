// The one way the planner's pages reach the API (dashboard.js, plans.js, scenario.js): JSON in, JSON out, an
// error's message (the API's `error`, naming the field) thrown as an Error; a 204 has no body.
"use strict";
async function call(method, url, body) {
  const response = await fetch(url, { method, headers: { "Content-Type": "application/json" },
                                      body: body === undefined ? undefined : JSON.stringify(body) });
  const data = response.status === 204 ? {} : await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || data.detail || response.statusText);
  return data;
}

// What the pages' scripts share besides call(): the page's language (the <html lang> the server chose by
// Accept-Language), its numbers in that language, `{key}` words filled in, and text made safe for plotly's
// pseudo-HTML labels (names are data).
const PAGE_LANG = document.documentElement.lang === "fr" ? "fr" : "en";
const byId = (id) => document.getElementById(id);
const fillIn = (text, values) => text.replace(/\{(\w+)\}/g, (_, key) => values[key]);
const plainText = (text) => String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const numberFormats = {};
function localNumber(value, digits = 0) {
  numberFormats[digits] ??= new Intl.NumberFormat(PAGE_LANG === "fr" ? "fr-FR" : "en-GB",
                                                  { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return numberFormats[digits].format(value);
}
