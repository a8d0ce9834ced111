// Marketing: segments, lifetime values, the uplift model's Qini curve, and the campaign planner
// (budget slider, expected incremental profit with its interval, CSV export).

const OFFER = { cost_per_contact: 0.1, discount: 0.1, margin: 0.5, redemption: 0.6 };
const DEBOUNCE_MS = 250;

export async function render(root, ui) {
  const segments = ui.card("Segments", ui.el("p", { class: "muted" }, "Loading…"));
  segments.dataset.testid = "segments";
  segments.classList.add("wide");
  const clv = ui.card("Lifetime value", ui.el("p", { class: "muted" }, "Loading…"));
  clv.dataset.testid = "clv";
  const qini = ui.card("Uplift: Qini curve", ui.el("p", { class: "muted" }, "Loading…"));
  qini.dataset.testid = "qini";
  const planner = ui.card("Campaign planner");
  planner.dataset.testid = "planner";
  planner.classList.add("wide");
  // Side by side on a laptop, one under the other on a phone.
  const pair = ui.el("div", { class: "grid", style: "grid-column:1/-1" }, clv, qini);
  root.append(segments, pair, planner);
  await Promise.all([
    fill(ui, segments, () => segmentsBody(ui, segments)),
    fill(ui, clv, () => clvBody(ui, clv)),
    fill(ui, qini, () => qiniBody(ui, qini)),
    fill(ui, planner, () => plannerBody(ui, planner)),
  ]);
}

/** Replace a card's body with what `build` appends; an API error becomes a notice there. */
async function fill(ui, card, build) {
  const title = card.querySelector("h2");
  card.replaceChildren(title);
  try {
    await build();
  } catch (error) {
    card.replaceChildren(title, ui.notice(`${error.message}.`, "error"));
  }
}

// --- segments ---------------------------------------------------------------------------------

async function segmentsBody(ui, card) {
  const body = await ui.api("/segments?kind=rfm");
  const rows = [...body.segments].sort((a, b) => b.revenue - a.revenue);
  const charts = ui.el("div", {});
  card.append(
    charts,
    ui.el(
      "div",
      { class: "table-scroll" },
      ui.table(rows, [
        ["segment", "Segment"],
        ["customers", "Customers", (v) => ui.number(v)],
        ["share", "Share", (v) => percent(ui, v)],
        ["revenue", "Revenue", (v) => ui.money(v)],
        ["revenue_share", "Revenue share", (v) => percent(ui, v)],
        ["avg_order_value", "Avg order", (v) => ui.money(v)],
        ["orders_per_customer", "Orders / customer", (v) => ui.number(v, 1)],
        ["top_categories", "Top categories"],
      ]),
    ),
  );
  ui.chart(
    charts,
    {
      type: "bar",
      data: {
        labels: rows.map((r) => r.segment),
        datasets: [
          { label: "Customers", data: rows.map((r) => r.customers), yAxisID: "y", backgroundColor: "#93b4f5" },
          { label: "Revenue", data: rows.map((r) => r.revenue), yAxisID: "revenue", backgroundColor: "#2563eb" },
        ],
      },
      options: {
        scales: {
          y: { beginAtZero: true, title: { display: true, text: "customers" } },
          revenue: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: "revenue" } },
        },
      },
    },
    { height: 280, label: "Customers and revenue per segment" },
  );
}

// --- lifetime value ---------------------------------------------------------------------------

async function clvBody(ui, card) {
  const body = await ui.api("/marketing/clv-distribution?bins=20");
  if (!body.counts.length) {
    card.append(ui.notice("No customer has a lifetime value yet (too few repeat purchases)."));
    return;
  }
  const labels = body.counts.map((_, i) => {
    const last = i === body.counts.length - 1;
    return last ? `≥ ${ui.number(body.edges[i])}` : `${ui.number(body.edges[i])}–${ui.number(body.edges[i + 1])}`;
  });
  ui.chart(
    card,
    {
      type: "bar",
      data: { labels, datasets: [{ label: "Customers", data: body.counts, backgroundColor: "#2563eb", barPercentage: 1, categoryPercentage: 1 }] },
      options: {
        plugins: { legend: { display: false } },
        scales: { x: { title: { display: true, text: `expected profit over ${body.horizon_days} days` } }, y: { beginAtZero: true, title: { display: true, text: "customers" } } },
      },
    },
    { height: 240, label: "Histogram of customer lifetime values" },
  );
  card.append(
    ui.el(
      "p",
      { class: "muted", "data-testid": "clv-summary" },
      `Mean ${ui.money(body.mean)}, median ${ui.money(body.median)}, total ${ui.money(body.total)} ` +
        `over ${ui.number(body.customers - body.missing)} customers` +
        (body.missing ? `; ${ui.number(body.missing)} without a value (no purchases).` : ".") +
        ` The last bar holds the top 1% (up to ${ui.money(body.max)}).`,
    ),
  );
}

// --- uplift -----------------------------------------------------------------------------------

async function qiniBody(ui, card) {
  let body;
  try {
    body = await ui.api("/marketing/uplift-curves?points=51");
  } catch (error) {
    if (error.status !== 422) throw error;
    card.append(ui.notice(`The Qini curve is not shown: ${error.message}.`));
    return;
  }
  const share = body.x.map((x) => `${Math.round(x * 100)}%`);
  const random = body.x.map((x) => x * body.random_end);
  ui.chart(
    card,
    {
      type: "line",
      data: {
        labels: share,
        datasets: [
          { label: "Uplift model", data: body.qini, borderColor: "#2563eb", pointRadius: 0, borderWidth: 2 },
          { label: "Random targeting", data: random, borderColor: "#667085", borderDash: [6, 4], pointRadius: 0, borderWidth: 1.5 },
          { label: "Perfect", data: body.perfect_qini, borderColor: "#c4c9d4", borderDash: [2, 3], pointRadius: 0, borderWidth: 1, hidden: true },
        ],
      },
      options: {
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { title: { display: true, text: "share of customers targeted (best predicted first)" }, ticks: { maxTicksLimit: 6 } },
          y: { title: { display: true, text: "incremental buyers" } },
        },
      },
    },
    { height: 240, label: "Qini curve of the uplift model against random targeting" },
  );
  card.append(
    ui.el(
      "p",
      { class: "muted", "data-testid": "qini-summary" },
      `Qini coefficient ${ui.number(body.qini_coefficient, 3)} on ${ui.number(body.examples)} past ` +
        `campaign contacts (${ui.number(body.treated)} treated), each scored by models that did not ` +
        "see it. Above the dashed line, targeting by the model beats contacting at random." +
        (body.randomized ? "" : " Some campaigns were not randomised: treat the curve with care."),
    ),
  );
}

// --- planner ----------------------------------------------------------------------------------

async function plannerBody(ui, card) {
  const inputs = {
    cost_per_contact: numberInput(ui, "planner-cost", OFFER.cost_per_contact, 0.01),
    discount: numberInput(ui, "planner-discount", OFFER.discount, 0.01, 0.99),
    margin: numberInput(ui, "planner-margin", OFFER.margin, 0.01, 1),
    redemption: numberInput(ui, "planner-redemption", OFFER.redemption, 0.05, 1),
  };
  const slider = ui.el("input", { type: "range", min: 0, max: 100, step: 1, value: 50, "data-testid": "budget-slider", id: "budget-slider", style: "min-width:14rem" });
  const budgetText = ui.el("span", { class: "badge", "data-testid": "planner-budget" }, "–");
  const exportButton = ui.el("button", { type: "button", "data-testid": "planner-export" }, "Export contacts (CSV)");
  const result = ui.el("div", { "data-testid": "planner-result" });
  const curveBox = ui.el("div", {});
  card.append(
    ui.el(
      "div",
      { class: "controls" },
      ui.el("label", {}, "Cost per contact", inputs.cost_per_contact),
      ui.el("label", {}, "Discount (share)", inputs.discount),
      ui.el("label", {}, "Margin (share)", inputs.margin),
      ui.el("label", {}, "Redemption", inputs.redemption),
      ui.el("label", {}, ui.el("span", {}, "Budget ", budgetText), slider),
      exportButton,
    ),
    curveBox,
    result,
  );

  let frontier = null; // the unlimited plan: its contacts in order give profit against spend
  let curve = null;
  let run = 0;
  const offer = () => Object.fromEntries(Object.entries(inputs).map(([k, input]) => [k, Number(input.value)]));
  const budget = () => (frontier ? (Number(slider.value) / 100) * frontier.expected_spend : null);

  async function replanAll() {
    const mine = ++run;
    frontier = await ui.api("/campaigns/plan", { method: "POST", body: { ...offer(), feature_products: false } });
    if (mine !== run) return;
    curve?.destroy();
    curve = drawFrontier(ui, curveBox, frontier);
    await replan(mine);
  }

  async function replan(mine = ++run) {
    const spendCap = budget();
    budgetText.textContent = ui.money(spendCap);
    marker(curve, spendCap);
    if (!frontier || frontier.contacts === 0) {
      result.replaceChildren(ui.notice("No customer is worth contacting with this offer: lower the cost or the discount, or raise the margin."));
      return;
    }
    const plan = await ui.api("/campaigns/plan", { method: "POST", body: { ...offer(), budget: spendCap } });
    if (mine !== run) return;
    result.replaceChildren(summary(ui, plan), contactsTable(ui, plan));
  }

  const guarded = (work) => () => work().catch((error) => result.replaceChildren(ui.notice(`${error.message}.`, "error")));
  let timer;
  slider.addEventListener("input", () => {
    budgetText.textContent = ui.money(budget());
    clearTimeout(timer);
    timer = setTimeout(guarded(() => replan()), DEBOUNCE_MS);
  });
  for (const input of Object.values(inputs)) input.addEventListener("change", guarded(replanAll));
  exportButton.addEventListener("click", guarded(() => exportCsv(ui, { ...offer(), budget: budget() })));
  await guarded(replanAll)();
}

function numberInput(ui, testid, value, step, max) {
  return ui.el("input", { type: "number", "data-testid": testid, value, step, min: 0, max, style: "width:6em" });
}

function summary(ui, plan) {
  const [low, high] = plan.incremental_profit_interval;
  const level = Math.round(plan.interval_level * 100);
  const tile = (testid, value, label) =>
    ui.el("div", { class: "kpi", "data-testid": testid }, ui.el("div", { class: "value" }, value), ui.el("div", { class: "label" }, label));
  return ui.el(
    "div",
    { class: "kpis" },
    tile("planner-profit", ui.money(plan.incremental_profit), `expected incremental profit (${level}%: ${ui.money(low)} to ${ui.money(high)})`),
    tile("planner-contacts", ui.number(plan.contacts), `contacts of ${ui.number(plan.audience)} customers`),
    tile("planner-spend", ui.money(plan.expected_spend), "expected spend (contacts + coupons)"),
    tile("planner-conversions", ui.number(plan.incremental_conversions, 1), "extra purchases expected"),
  );
}

function contactsTable(ui, plan) {
  const top = plan.customers.slice(0, 10);
  if (!top.length) return ui.notice("The budget does not cover a single profitable contact.");
  return ui.el(
    "div",
    { class: "table-scroll" },
    ui.table(
      top,
      [
        ["rank", "#"],
        ["customer_id", "Customer", (v) => ui.el("a", { href: `#recommend?customer=${encodeURIComponent(v)}` }, v)],
        ["uplift", "Uplift", (v) => percent(ui, v, 1)],
        ["expected_profit", "Expected profit", (v) => ui.money(v)],
        ["featured_product", "Feature"],
      ],
      { caption: `The first ${top.length} of ${ui.number(plan.contacts)} contacts; export for all of them.` },
    ),
  );
}

/** Cumulative expected profit against spend, in the order the planner picks customers. */
function drawFrontier(ui, parent, plan) {
  parent.replaceChildren();
  if (!plan.customers.length) return null;
  let spend = 0;
  let profit = 0;
  const points = [{ x: 0, y: 0 }];
  for (const c of plan.customers) {
    spend += c.expected_spend;
    profit += c.expected_profit;
    points.push({ x: spend, y: profit });
  }
  return ui.chart(
    parent,
    {
      type: "line",
      data: {
        datasets: [
          { label: "Expected incremental profit", data: points, borderColor: "#2563eb", pointRadius: 0, borderWidth: 2 },
          { label: "Budget", data: [], borderColor: "#b42318", borderDash: [4, 3], pointRadius: 0, borderWidth: 1.5 },
        ],
      },
      options: {
        parsing: false,
        scales: {
          x: { type: "linear", title: { display: true, text: "budget spent" } },
          y: { title: { display: true, text: "expected incremental profit" } },
        },
      },
    },
    { height: 220, label: "Expected incremental profit against budget" },
  );
}

function marker(curve, spend) {
  if (!curve || spend === null) return;
  const ys = curve.data.datasets[0].data.map((p) => p.y);
  curve.data.datasets[1].data = [{ x: spend, y: Math.min(0, ...ys) }, { x: spend, y: Math.max(...ys) }];
  curve.update("none");
}

async function exportCsv(ui, body) {
  const response = await ui.api("/campaigns/plan?format=csv", { method: "POST", body, raw: true });
  if (!response.ok) {
    const payload = await response.json().catch(() => ({}));
    throw new Error(payload?.error?.message || `${response.status} ${response.statusText}`);
  }
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = "campaign-plan.csv";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function percent(ui, value, digits = 0) {
  return value === null || value === undefined ? "–" : `${ui.number(value * 100, digits)}%`;
}
