// Overview: the shop's key figures, weekly trend, top sellers and the engines' status.

const KPIS = [
  ["revenue", "Revenue", (v, ui) => ui.money(v)],
  ["orders", "Orders", (v, ui) => ui.number(v)],
  ["customers", "Buying customers", (v, ui) => ui.number(v)],
  ["average_basket", "Average basket", (v, ui) => ui.money(v)],
];

export async function render(root, ui) {
  if (!ui.signedIn()) {
    root.append(signInCard(ui));
    return;
  }
  let data;
  try {
    data = await ui.api("/dashboard/overview");
  } catch (error) {
    if (error.status !== 401) throw error;
    root.append(signInCard(ui, "That API key was not accepted (it needs the write scope)."));
    return;
  }
  const top = ui.el("div", { class: "grid" }, topProductsCard(ui, data.top_products), topCategoriesCard(ui, data.top_categories));
  top.style.gridColumn = "1 / -1";
  root.append(kpiCard(ui, data), trendCard(ui, data.weekly, data.kpis.last_order), top, enginesCard(ui, data));
}

function signInCard(ui, reason) {
  const box = ui.card(
    "Sign in to see the shop's figures",
    ui.notice(
      `${reason ? reason + " " : ""}Revenue and orders are business data: sign in with an API key ` +
        "(the field at the top right) to see them.",
      reason ? "error" : "info",
    ),
  );
  box.classList.add("wide");
  box.dataset.testid = "overview-signin";
  return box;
}

function kpiCard(ui, data) {
  const k = data.kpis;
  const tiles = KPIS.map(([key, label, format]) =>
    ui.el(
      "div",
      { class: "kpi", "data-testid": `kpi-${key.replace("_", "-")}` },
      ui.el("div", { class: "value" }, format(k[key], ui)),
      ui.el("div", { class: "label" }, label),
    ),
  );
  const span =
    k.first_order && k.last_order
      ? `Orders from ${day(k.first_order)} to ${day(k.last_order)}; ` +
        `${ui.number(k.registered_customers)} registered customers. Revenue is after discounts, ` +
        "without cancelled orders."
      : "No orders yet.";
  const box = ui.card("The shop at a glance", ui.el("div", { class: "kpis" }, tiles), ui.el("p", { class: "muted" }, span));
  box.classList.add("wide");
  box.id = "overview-kpis";
  return box;
}

function trendCard(ui, weekly, lastOrder) {
  const box = ui.card("Revenue and orders per week");
  box.classList.add("wide");
  box.id = "overview-trend";
  if (!weekly.length) {
    box.append(ui.notice("No orders yet."));
    return box;
  }
  ui.chart(
      box,
      {
        type: "line",
        data: {
          labels: weekly.map((w) => w.week),
          datasets: [
            { label: "Revenue", data: weekly.map((w) => w.revenue), yAxisID: "y", borderColor: "#2563eb", backgroundColor: "#2563eb", tension: 0.25, pointRadius: 0 },
            { label: "Orders", data: weekly.map((w) => w.orders), yAxisID: "orders", borderColor: "#f59e0b", backgroundColor: "#f59e0b", tension: 0.25, pointRadius: 0 },
          ],
        },
        options: {
          interaction: { mode: "index", intersect: false },
          scales: {
            y: { position: "left", title: { display: true, text: "revenue" }, beginAtZero: true },
            orders: { position: "right", title: { display: true, text: "orders" }, beginAtZero: true, grid: { drawOnChartArea: false } },
          },
        },
      },
      { height: 280, label: "Weekly revenue and orders" },
  );
  box.append(ui.el("p", { class: "muted" }, `Weeks start on Monday; the last one runs to the newest order (${day(lastOrder)}), so it may be partial.`));
  return box;
}

function barChart(ui, box, labels, values, label) {
  ui.chart(
      box,
      {
        type: "bar",
        data: { labels, datasets: [{ label: "Revenue", data: values, backgroundColor: "#2563eb" }] },
        options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { y: { ticks: { autoSkip: false } } } },
      },
      { height: Math.max(160, labels.length * 26), label },
  );
}

function short(text, size = 32) {
  return text.length > size ? `${text.slice(0, size - 1)}…` : text;
}

function topProductsCard(ui, products) {
  const box = ui.card("Top products by revenue");
  box.id = "overview-top-products";
  if (!products.length) return box.append(ui.notice("No sales yet.")), box;
  barChart(ui, box, products.map((p) => short(p.title || p.product_id)), products.map((p) => p.revenue), "Top products by revenue");
  const rows = ui.table(products, [
    ["product_id", "Product"],
    ["title", "Title"],
    ["revenue", "Revenue", ui.money],
    ["units", "Units", (v) => ui.number(v)],
  ]);
  rows.dataset.testid = "top-products";
  box.append(ui.el("div", { class: "table-scroll" }, rows));
  return box;
}

function topCategoriesCard(ui, categories) {
  const box = ui.card("Top categories by revenue");
  box.id = "overview-top-categories";
  if (!categories.length) return box.append(ui.notice("No sales yet.")), box;
  barChart(ui, box, categories.map((c) => short(c.category)), categories.map((c) => c.revenue), "Top categories by revenue");
  const rows = ui.table(categories, [
    ["category", "Category"],
    ["revenue", "Revenue", ui.money],
    ["orders", "Orders", (v) => ui.number(v)],
  ]);
  rows.dataset.testid = "top-categories";
  box.append(ui.el("div", { class: "table-scroll" }, rows));
  return box;
}

function day(iso) {
  return iso ? String(iso).slice(0, 10) : "–";
}

function trainedCell(ui, value, row) {
  if (!row.trained) return ui.el("span", { class: "badge", style: "color:var(--bad)" }, "not trained");
  const when = row.trained_at ? String(row.trained_at).slice(0, 16).replace("T", " ") : row.version;
  return ui.el("span", {}, when, row.carried_over ? ui.el("span", { class: "badge", title: "kept from an earlier training run" }, " carried over") : null);
}

function freshCell(ui, value, row) {
  if (!row.trained) return "–";
  const events = row.events_since_training ?? 0;
  const orders = row.new_orders_since_training ?? 0;
  if (!events && !orders) return ui.el("span", { style: "color:var(--good)" }, "up to date");
  return `${ui.number(orders)} new orders, ${ui.number(events)} new events since`;
}

function metricValue(ui, name, x) {
  if (name.includes("cost") || name.includes("profit")) return ui.money(x);
  return Number.isInteger(x) ? ui.number(x) : ui.number(x, 3);
}

function qualityCell(ui, hint, row) {
  const q = row.quality;
  if (!q) return ui.el("span", { class: "muted" }, hint);
  const names = Object.keys(q.metrics || {});
  const figures = names.length
    ? names.map((name) => `${name.replaceAll("_", " ")} ${metricValue(ui, name, q.metrics[name])}`).join(" · ")
    : "no headline metric in the stored evaluation";
  const stale = q.current
    ? null
    : ui.el("span", { class: "badge", title: `measured at model version ${q.model_version ?? "none"}` }, " not the served version");
  const when = String(q.evaluated_at ?? "").slice(0, 16).replace("T", " ");
  return ui.el(
    "span",
    { "data-testid": `quality-${row.engine}` },
    ui.el("span", {}, figures),
    stale,
    ui.el("div", { class: "muted", title: hint }, `evaluated ${when} UTC`),
  );
}

function enginesCard(ui, data) {
  const rows = ui.table(data.engines, [
    ["engine", "Engine"],
    ["trained_at", "Trained (UTC)", (v, row) => trainedCell(ui, v, row)],
    ["events_since_training", "Data freshness", (v, row) => freshCell(ui, v, row)],
    ["quality_hint", "Offline quality", (v, row) => qualityCell(ui, v, row)],
  ]);
  rows.dataset.testid = "engines-status";
  for (const [i, tr] of [...rows.tBodies[0].rows].entries()) tr.dataset.engine = data.engines[i].engine;
  const newest = `Newest order ${day(data.data.newest_order)}, newest event ${day(data.data.newest_event)}; models of version ${data.model_version ?? "none"}.`;
  const box = ui.card(
    "Engines",
    ui.el("div", { class: "table-scroll" }, rows),
    ui.el("p", { class: "muted" }, newest, " Retrain with ", ui.el("code", {}, "shopmind train"), "; offline evaluations take minutes, so they are not run here."),
  );
  box.classList.add("wide");
  box.id = "overview-engines";
  return box;
}
