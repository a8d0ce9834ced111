// The dashboard shell: sign-in, the hash router, and small helpers every page uses.
// A page is a module static/pages/NAME.js exporting `async function render(root, ui)`.

const KEY = "shopmind.apiKey";
const PAGES = ["overview", "recommend", "marketing", "stock", "pricing", "assistant", "lift"];

/** Fetch JSON from the API; the stored key goes along; errors carry the API's message. */
export async function api(path, { method = "GET", body, raw = false } = {}) {
  const headers = {};
  const key = localStorage.getItem(KEY);
  if (key) headers["X-API-Key"] = key;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (raw) return response;
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = payload?.error?.message || `${response.status} ${response.statusText}`;
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return payload;
}

/** el("div", {class: "card"}, "text", child) */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function number(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return Number(value).toLocaleString("en", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

export function money(value) {
  return number(value, 2);
}

/** A table of objects; columns: [key, label, format?]. */
export function table(rows, columns, { caption } = {}) {
  const head = el("tr", {}, columns.map(([, label]) => el("th", {}, label)));
  const body = rows.map((row) =>
    el("tr", {}, columns.map(([key, , format]) => el("td", {}, format ? format(row[key], row) : row[key] ?? "–"))),
  );
  return el("table", {}, caption ? el("caption", {}, caption) : null, el("thead", {}, head), el("tbody", {}, body));
}

const charts = new Set();

/** A Chart.js chart in a new canvas inside `parent`; destroyed when the page changes. */
export function chart(parent, config, { height = 260, label } = {}) {
  const canvas = el("canvas", { role: "img", "aria-label": label || "chart" });
  const box = el("div", { class: "chart", style: `height:${height}px` }, canvas);
  parent.append(box);
  const made = new window.Chart(canvas, {
    ...config,
    options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options },
  });
  charts.add(made);
  return made;
}

export function card(title, ...children) {
  return el("section", { class: "card" }, el("h2", {}, title), ...children);
}

export function notice(text, kind = "info") {
  return el("p", { class: `notice ${kind}` }, text);
}

/** Run an API call; on failure show its message in `box` (a card's body) and return null, so
 * one failing card leaves the rest of the page working. */
export async function attempt(box, call) {
  try {
    return await call();
  } catch (error) {
    box.replaceChildren(notice(error.message, "error"));
    return null;
  }
}

export function signedIn() {
  return Boolean(localStorage.getItem(KEY));
}

const ui = { api, el, number, money, table, chart, card, notice, attempt, signedIn };

async function show() {
  const name = location.hash.replace("#", "").split("?")[0] || "overview";
  const page = PAGES.includes(name) ? name : "overview";
  for (const link of document.querySelectorAll("#nav a")) {
    link.classList.toggle("active", link.dataset.page === page);
  }
  for (const made of charts) made.destroy();
  charts.clear();
  const root = document.getElementById("page");
  root.replaceChildren(el("p", { class: "muted" }, "Loading…"));
  root.dataset.page = page;
  root.dataset.ready = "false";
  try {
    const module = await import(`./pages/${page}.js`);
    const content = el("div", { class: "grid" });
    await module.render(content, ui);
    root.replaceChildren(content);
  } catch (error) {
    const hint = error.status === 401 ? " Sign in with an API key (top right)." : "";
    root.replaceChildren(notice(`${error.message}.${hint}`, "error"));
  }
  root.dataset.ready = "true";
}

function setUpSignIn() {
  const form = document.getElementById("signin");
  const input = document.getElementById("api-key");
  const state = document.getElementById("signin-state");
  const button = document.getElementById("signin-button");
  const refresh = () => {
    const on = signedIn();
    input.hidden = on;
    button.textContent = on ? "Sign out" : "Sign in";
    state.textContent = on ? "signed in" : "";
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (signedIn()) localStorage.removeItem(KEY);
    else if (input.value.trim()) localStorage.setItem(KEY, input.value.trim());
    input.value = "";
    refresh();
    show();
  });
  refresh();
}

document.querySelector(".menu").addEventListener("click", (event) => {
  const nav = document.getElementById("nav");
  nav.classList.toggle("open");
  event.currentTarget.setAttribute("aria-expanded", nav.classList.contains("open"));
});
window.addEventListener("hashchange", show);
setUpSignIn();
api("/version").then((v) => {
  document.getElementById("version").textContent = `${v.shopmind} · models ${v.model_version ?? "not trained"}`;
}).catch(() => {});
show();
