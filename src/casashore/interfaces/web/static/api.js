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
