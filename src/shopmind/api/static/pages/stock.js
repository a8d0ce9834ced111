// Stock: a product's demand and forecast with intervals, the reorder list, and a policy replay.

const HISTORY_DAYS = 90;
const HORIZON = 28;

function productPicker(ui, products, onPick) {
  const select = ui.el(
    "select",
    { id: "stock-product", "data-testid": "stock-product", onchange: (e) => onPick(e.target.value) },
    products.map((p) =>
      ui.el("option", { value: p.product_id }, `${p.title ? `${p.title} (${p.product_id})` : p.product_id} · ${ui.number(p.expected)} units / ${HORIZON} days`),
    ),
  );
  return ui.el("div", { class: "controls" }, ui.el("label", {}, "Product", select));
}

function forecastChart(ui, box, history, forecast) {
  const past = history.periods.map((p) => ({ x: p.ds, y: p.y }));
  const ahead = (key) => forecast.periods.map((p) => ({ x: p.ds, y: key === "mean" ? p.mean : p.quantiles[key] }));
  const band = (label, key, fill, color) => ({
    label, data: ahead(key), fill, backgroundColor: color, borderWidth: 0, pointRadius: 0,
  });
  ui.chart(box, {
    type: "line",
    data: {
      datasets: [
        { label: "Units sold", data: past, borderColor: "#1d2433", borderWidth: 1.5, pointRadius: 0 },
        band("95% low", "0.025", false, "transparent"),
        band("95% interval", "0.975", "-1", "rgba(37,99,235,0.12)"),
        band("80% low", "0.1", false, "transparent"),
        band("80% interval", "0.9", "-1", "rgba(37,99,235,0.25)"),
        { label: "Forecast", data: ahead("mean"), borderColor: "#2563eb", borderWidth: 2, pointRadius: 0 },
      ],
    },
    options: {
      parsing: true,
      interaction: { mode: "index", intersect: false },
      scales: { x: { type: "category", labels: [...past, ...ahead("mean")].map((p) => p.x), ticks: { maxTicksLimit: 8 } }, y: { beginAtZero: true, title: { display: true, text: "units per day" } } },
      plugins: { legend: { labels: { filter: (item) => !item.text.endsWith("low") } } },
    },
  }, { height: 300, label: "demand history and forecast with 80% and 95% intervals" });
}

async function showForecast(ui, box, productId) {
  box.replaceChildren(ui.el("p", { class: "muted" }, "Loading…"));
  const query = `quantiles=0.025,0.1,0.9,0.975&h=${HORIZON}`;
  const id = encodeURIComponent(productId);
  const [forecast, history] = await Promise.all([
    ui.attempt(box, () => ui.api(`/forecast/${id}?${query}`)),
    ui.api(`/forecast/${id}/history?periods=${HISTORY_DAYS}`).catch(() => ({ periods: [] })),
  ]);
  if (!forecast) return;
  const total = forecast.periods.reduce((sum, p) => sum + p.mean, 0);
  box.replaceChildren(
    ui.el("p", { class: "muted", "data-testid": "forecast-summary" },
      `${forecast.series}: ${ui.number(total)} units expected over the next ${HORIZON} days · model ${forecast.model ?? "–"} · demand ${forecast.demand_class ?? "–"}`),
  );
  if (!history.periods.length) box.append(ui.notice("No recent history kept by this model version: retrain to see it."));
  forecastChart(ui, box, history, forecast);
}

function reorderTable(ui, list) {
  const rows = list.products;
  const body = rows.length
    ? ui.el("div", { class: "table-scroll" }, ui.table(rows, [
      ["product_id", "Product"],
      ["location", "Location"],
      ["on_hand", "On hand", (v) => ui.number(v)],
      ["on_order", "On order", (v) => ui.number(v)],
      ["reorder_point", "Reorder point", (v) => ui.number(v, 1)],
      ["order_up_to", "Order up to", (v) => ui.number(v, 1)],
      ["order_quantity", "Order", (v) => ui.el("strong", {}, ui.number(v))],
      ["reason", "Why"],
    ]))
    : ui.notice("Nothing to order today.", "good");
  return ui.el("div", { "data-testid": "reorder-list", id: "reorder-list" },
    ui.el("p", { class: "muted" }, `${rows.length} products to order now at a ${ui.number(list.service_level * 100)}% service level, reviewed every ${ui.number(list.review_days)} days.`),
    body);
}

async function showReorder(ui, box, level) {
  const list = await ui.attempt(box, () => ui.api(`/inventory/reorder?service_level=${level}`));
  if (list) box.replaceChildren(reorderTable(ui, list));
}

function field(ui, label, attrs) {
  return ui.el("label", {}, label, ui.el("input", attrs));
}

function simulationControls(ui, onRun) {
  const policy = ui.el("select", { name: "policy" },
    [["recommended", "Recommended (R,s,S)"], ["order-up-to", "Order up to S"], ["min-max", "Min–max (s,S)"], ["reorder-quantity", "Reorder quantity (s,Q)"]]
      .map(([value, text]) => ui.el("option", { value }, text)));
  const form = ui.el("form", { class: "controls", id: "simulation-form" },
    ui.el("label", {}, "Policy", policy),
    field(ui, "Reorder point s", { name: "reorder_point", type: "number", min: 0, step: "any", size: 6 }),
    field(ui, "Level S", { name: "level", type: "number", min: 0, step: "any", size: 6 }),
    field(ui, "Quantity Q", { name: "quantity", type: "number", min: 0, step: "any", size: 6 }),
    field(ui, "Review days", { name: "review_days", type: "number", min: 1, max: 365, value: 7, size: 4 }),
    field(ui, "Replay days", { name: "days", type: "number", min: 14, max: 365, value: 182, size: 4 }),
    ui.el("button", { type: "submit" }, "Simulate"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { policy: data.get("policy"), review_days: Number(data.get("review_days")), days: Number(data.get("days")) };
    for (const name of ["reorder_point", "level", "quantity"]) {
      if (data.get(name) !== "") body[name] = Number(data.get(name));
    }
    onRun(body);
  });
  return form;
}

function outcomeTable(ui, result) {
  const rows = [
    ["Fill rate", (o) => `${ui.number(o.fill_rate * 100, 1)}%`],
    ["Stock-out days", (o) => ui.number(o.stockout_days)],
    ["Lost sales", (o) => ui.number(o.lost_sales)],
    ["Average on hand", (o) => ui.number(o.average_on_hand, 1)],
    ["Orders", (o) => ui.number(o.orders)],
    ["Total cost", (o) => ui.money(o.total_cost)],
  ].map(([label, format]) => ({ label, chosen: format(result.outcome), textbook: format(result.textbook) }));
  return ui.table(rows, [["label", ""], ["chosen", "This policy"], ["textbook", "Textbook policy"]]);
}

function simulationChart(ui, box, result) {
  const labels = result.stock.map((_, i) => i + 1);
  ui.chart(box, {
    type: "line",
    data: {
      labels,
      datasets: [
        { label: "On hand", data: result.stock.map((d) => d.on_hand), borderColor: "#2563eb", backgroundColor: "rgba(37,99,235,0.12)", fill: true, pointRadius: 0, stepped: true },
        { label: "Demand", data: result.stock.map((d) => d.demand), borderColor: "#b42318", borderWidth: 1, pointRadius: 0 },
        { label: "Received", data: result.stock.map((d) => d.received || null), type: "bar", backgroundColor: "#15803d" },
      ],
    },
    options: {
      interaction: { mode: "index", intersect: false },
      scales: { x: { title: { display: true, text: "day of the replay" }, ticks: { maxTicksLimit: 10 } }, y: { beginAtZero: true, title: { display: true, text: "units" } } },
    },
  }, { height: 280, label: "simulated stock over time" });
}

async function runSimulation(ui, box, productId, body) {
  box.replaceChildren(ui.el("p", { class: "muted" }, "Simulating…"));
  const result = await ui.attempt(box, () =>
    ui.api("/inventory/simulate", { method: "POST", body: { product_id: productId, ...body } }));
  if (!result) return;
  const chartBox = ui.el("div", { "data-testid": "simulation-chart", id: "simulation-chart" });
  box.replaceChildren(
    ui.el("p", { "data-testid": "simulation-cost" },
      `${result.policy} over the last ${result.days} days (lead time ${result.lead_time_days} days): total cost `,
      ui.el("strong", {}, ui.money(result.outcome.total_cost)),
      ` vs ${ui.money(result.textbook.total_cost)} for the textbook policy.`),
    chartBox,
    ui.el("div", { class: "table-scroll" }, outcomeTable(ui, result)),
  );
  simulationChart(ui, chartBox, result);
}

export async function render(root, ui) {
  const forecastBox = ui.el("div", { "data-testid": "forecast-chart", id: "forecast-chart" });
  const reorderBox = ui.el("div", {}, ui.el("p", { class: "muted" }, "Loading…"));
  const simulationBox = ui.el("div", {});
  const level = ui.el("select", { id: "service-level", onchange: (e) => showReorder(ui, reorderBox, e.target.value) },
    [0.8, 0.9, 0.95, 0.98, 0.99].map((v) => ui.el("option", { value: v, selected: v === 0.95 }, `${v * 100}%`)));
  const forecastCard = ui.el("section", { class: "card wide" }, ui.el("h2", {}, "Demand forecast"));
  const simulationCard = ui.el("section", { class: "card wide" }, ui.el("h2", {}, "Policy simulation"));
  root.append(
    forecastCard,
    simulationCard,
    ui.el("section", { class: "card wide" }, ui.el("h2", {}, "Reorder list"),
      ui.el("div", { class: "controls" }, ui.el("label", {}, "Service level", level)), reorderBox),
  );
  const listing = await ui.api(`/forecast?h=${HORIZON}&limit=300`).catch((error) => error);
  if (listing instanceof Error) {
    forecastCard.append(ui.notice(listing.message, "error"));
    simulationCard.append(ui.notice("The simulation needs the forecast model.", "error"));
  } else if (!listing.products.length) {
    forecastCard.append(ui.notice("No product has sales to forecast."));
  } else {
    let product = listing.products[0].product_id;
    const simulate = (body) => runSimulation(ui, simulationBox, product, body);
    const controls = simulationControls(ui, simulate);
    forecastCard.append(productPicker(ui, listing.products, (id) => {
      product = id;
      showForecast(ui, forecastBox, id);
      controls.requestSubmit();
    }), forecastBox);
    simulationCard.append(
      ui.el("p", { class: "muted" }, "Replays a stocking policy over the chosen product's own recent demand; leave the levels empty for the recommended policy."),
      controls, simulationBox);
    await Promise.all([showForecast(ui, forecastBox, product), simulate({ policy: "recommended", review_days: 7, days: 182 })]);
  }
  await showReorder(ui, reorderBox, 0.95);
}
