// Pricing: demand and profit curves with the recommended price and its bounds, and what-if.

const COLORS = { demand: "#2563eb", profit: "#15803d", current: "#667085", recommended: "#b42318", bounds: "#f59e0b" };

function productPicker(ui, products, onPick) {
  const select = ui.el(
    "select",
    { id: "pricing-product", "data-testid": "pricing-product", onchange: (e) => onPick(e.target.value) },
    products.map((p) =>
      ui.el("option", { value: p.product_id }, `${p.title ? `${p.title} (${p.product_id})` : p.product_id} · ${p.category ?? ""} · ${ui.money(p.price)}`),
    ),
  );
  return ui.el("label", {}, "Product", select);
}

/** A vertical marker line at price `x` across the y range of the chart. */
function marker(label, x, low, high, color, dash = []) {
  return {
    label, data: [{ x, y: low }, { x, y: high }], borderColor: color, borderDash: dash,
    borderWidth: 2, pointRadius: 0, yAxisID: "profit", showLine: true,
  };
}

function curveChart(ui, box, curve) {
  const points = (key) => curve.prices.map((x, i) => ({ x, y: curve[key][i] }));
  const all = [...curve.profit_lo, ...curve.profit_hi];
  const low = Math.min(0, ...all);
  const high = Math.max(...all);
  const band = (label, key, fill, color) => ({
    label, data: points(key), fill, backgroundColor: color, borderColor: "transparent", pointRadius: 0, yAxisID: "profit", showLine: true,
  });
  ui.chart(box, {
    type: "scatter",
    data: {
      datasets: [
        band("profit low", "profit_lo", false, "transparent"),
        band(`profit ${Math.round(curve.level * 100)}% interval`, "profit_hi", "-1", "rgba(21,128,61,0.15)"),
        { label: "Expected profit / day", data: points("profit"), borderColor: COLORS.profit, pointRadius: 0, showLine: true, yAxisID: "profit" },
        { label: "Expected units / day", data: points("units"), borderColor: COLORS.demand, borderDash: [6, 4], pointRadius: 0, showLine: true, yAxisID: "units" },
        marker("Current price", curve.price, low, high, COLORS.current, [3, 3]),
        marker("Recommended price", curve.recommended_price, low, high, COLORS.recommended),
        marker("Lowest allowed", curve.lower, low, high, COLORS.bounds, [8, 4]),
        marker("Highest allowed", curve.upper, low, high, COLORS.bounds, [8, 4]),
      ],
    },
    options: {
      interaction: { mode: "nearest", axis: "x", intersect: false },
      scales: {
        x: { title: { display: true, text: "price" } },
        profit: { position: "left", title: { display: true, text: "profit per day" } },
        units: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: "units per day" } },
      },
      plugins: { legend: { labels: { filter: (item) => item.text !== "profit low" } } },
    },
  }, { height: 320, label: "demand and profit against price with the recommended price and bounds" });
}

function outcomeRows(ui, r) {
  const range = (key) => `${ui.money(r[key])} (${ui.money(r[`${key}_lo`])} – ${ui.money(r[`${key}_hi`])})`;
  return [
    { what: "Price", now: ui.money(r.price), then: ui.money(r.recommended_price) },
    { what: "Units / day", now: ui.number(r.units_now, 2), then: range("units_new") },
    { what: "Revenue / day", now: ui.money(r.revenue_now), then: range("revenue_new") },
    { what: "Profit / day", now: ui.money(r.profit_now), then: range("profit_new") },
  ];
}

function recommendationView(ui, r) {
  const change = r.change_pct === 0 ? "keep the price" : `${r.change_pct > 0 ? "raise" : "lower"} it ${ui.number(Math.abs(r.change_pct), 1)}%`;
  return ui.el("div", { "data-testid": "pricing-recommendation", id: "pricing-recommendation" },
    ui.el("p", {}, "Recommended: ", ui.el("strong", {}, ui.money(r.recommended_price)), ` (${change}).`),
    ui.el("p", {}, r.reason),
    ui.el("p", { class: "muted" },
      `Elasticity ${ui.number(r.elasticity, 2)} ± ${ui.number(r.elasticity_std, 2)} (from the ${r.elasticity_source}); binding: ${r.binding}${r.sells_out ? "; stock runs out before the next delivery" : ""}.`),
    ui.el("div", { class: "table-scroll" }, ui.table(outcomeRows(ui, r), [["what", ""], ["now", "Now"], ["then", "Recommended (interval)"]])),
  );
}

async function showProduct(ui, boxes, productId) {
  const id = encodeURIComponent(productId);
  boxes.curve.replaceChildren(ui.el("p", { class: "muted" }, "Loading…"));
  boxes.recommendation.replaceChildren(ui.el("p", { class: "muted" }, "Loading…"));
  const [curve, answer] = await Promise.all([
    ui.attempt(boxes.curve, () => ui.api(`/pricing/${id}/curve?points=60`)),
    ui.attempt(boxes.recommendation, () => ui.api(`/pricing/${id}/recommendation`)),
  ]);
  if (curve) {
    boxes.curve.replaceChildren(ui.el("p", { class: "muted" },
      `Current ${ui.money(curve.price)}, cost ${ui.money(curve.cost)}, allowed ${ui.money(curve.lower)} – ${ui.money(curve.upper)}; the band is the ${Math.round(curve.level * 100)}% interval from the elasticity's uncertainty.`));
    curveChart(ui, boxes.curve, curve);
  }
  if (answer) boxes.recommendation.replaceChildren(recommendationView(ui, answer.recommendation));
}

function whatIfResult(ui, result) {
  const t = result.total;
  const sign = (v) => (v > 0 ? "+" : "");
  const rows = result.products.slice(0, 50);
  return ui.el("div", { "data-testid": "what-if-result", id: "what-if-result" },
    ui.el("div", { class: "kpis" },
      [["Units / day", t.delta_units, 1], ["Revenue / day", t.delta_revenue, 2], ["Profit / day", t.delta_profit, 2]]
        .map(([label, value, digits]) => ui.el("div", { class: "kpi" },
          ui.el("div", { class: "value" }, `${sign(value)}${ui.number(value, digits)}`),
          ui.el("div", { class: "label" }, `${label} change`)))),
    ui.el("div", { class: "table-scroll" }, ui.table(rows, [
      ["product_id", "Product"],
      ["price", "Price now", (v) => ui.money(v)],
      ["planned_price", "Planned", (v) => ui.money(v)],
      ["units_now", "Units now", (v) => ui.number(v, 2)],
      ["units_new", "Units then", (v, r) => `${ui.number(v, 2)} (${ui.number(r.units_new_lo, 2)} – ${ui.number(r.units_new_hi, 2)})`],
      ["revenue_now", "Revenue now", (v) => ui.money(v)],
      ["revenue_new", "Revenue then", (v) => ui.money(v)],
      ["profit_now", "Profit now", (v) => ui.money(v)],
      ["profit_new", "Profit then", (v, r) => `${ui.money(v)} (${ui.money(r.profit_new_lo)} – ${ui.money(r.profit_new_hi)})`],
    ], { caption: result.products.length > rows.length ? `First ${rows.length} of ${result.products.length} products; per day.` : "Per day." })),
  );
}

function whatIfForm(ui, products, getProduct, box) {
  const categories = [...new Set(products.map((p) => p.category).filter(Boolean))].sort();
  const kind = ui.el("select", { name: "kind" },
    ui.el("option", { value: "price" }, "A planned price for the chosen product"),
    ui.el("option", { value: "category" }, "A change for a whole category"));
  const price = ui.el("input", { name: "price", type: "number", min: 0.01, step: 0.01, size: 7 });
  const category = ui.el("select", { name: "category" }, categories.map((c) => ui.el("option", { value: c }, c)));
  const change = ui.el("input", { name: "change", type: "number", step: 0.5, value: 5, size: 5 });
  const form = ui.el("form", { class: "controls", id: "what-if-form", "data-testid": "what-if-form" },
    ui.el("label", {}, "What if", kind),
    ui.el("label", { class: "for-price" }, "Planned price", price),
    ui.el("label", { class: "for-category" }, "Category", category),
    ui.el("label", { class: "for-category" }, "Change %", change),
    ui.el("button", { type: "submit" }, "Compute"));
  const toggle = () => {
    for (const node of form.querySelectorAll(".for-price")) node.style.display = kind.value === "price" ? "" : "none";
    for (const node of form.querySelectorAll(".for-category")) node.style.display = kind.value === "category" ? "" : "none";
  };
  kind.addEventListener("change", toggle);
  toggle();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = kind.value === "price"
      ? { prices: { [getProduct()]: Number(price.value) } }
      : { category: category.value, change: Number(change.value) / 100 };
    box.replaceChildren(ui.el("p", { class: "muted" }, "Computing…"));
    const result = await ui.attempt(box, () => ui.api("/pricing/what-if", { method: "POST", body }));
    if (result) box.replaceChildren(whatIfResult(ui, result));
  });
  return { form, setPrice: (value) => { price.value = value; } };
}

export async function render(root, ui) {
  const boxes = {
    curve: ui.el("div", { "data-testid": "pricing-curve", id: "pricing-curve" }),
    recommendation: ui.el("div", {}),
  };
  const whatIfBox = ui.el("div", {});
  const curveCard = ui.el("section", { class: "card wide" }, ui.el("h2", {}, "Demand and profit against price"));
  root.append(curveCard);
  const listing = await ui.api("/pricing/products").catch((error) => error);
  if (listing instanceof Error) {
    curveCard.append(ui.notice(listing.message, "error"));
    return;
  }
  if (!listing.products.length) {
    curveCard.append(ui.notice("No product has a demand model yet."));
    return;
  }
  const byId = new Map(listing.products.map((p) => [p.product_id, p]));
  let product = listing.products[0].product_id;
  const whatIf = whatIfForm(ui, listing.products, () => product, whatIfBox);
  const pick = async (id) => {
    product = id;
    whatIf.setPrice(byId.get(id).recommended_price ?? byId.get(id).price);
    await showProduct(ui, boxes, id);
  };
  curveCard.append(ui.el("div", { class: "controls" }, productPicker(ui, listing.products, pick)), boxes.curve);
  root.append(
    ui.card("Recommendation", boxes.recommendation),
    ui.card("What if", ui.el("p", { class: "muted" }, "Expected units, revenue and profit per day now and at the planned prices, with intervals."), whatIf.form, whatIfBox),
  );
  await pick(product);
}
